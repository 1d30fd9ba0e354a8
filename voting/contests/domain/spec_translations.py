"""A SPEC's `translations`: the contest's title and description, its
categories' titles and descriptions, and its rubric criteria's labels and
guidance, in other languages than the SPEC's own. Pure. Pages show them in the
reader's language and fall back to the SPEC's text field by field; the API's
CONTEST carries them as given.

    "translations": {"fr": {"title": "…", "description": "…",
                            "categories": {"<slug>": {"title": "…", "description": "…"}},
                            "criteria": {"<key>": {"label": "…", "guidance": "…"}}}}

Languages are named by the codes of the pages' `?lang=` (ar, en, es, fr, ru,
zh: voting/i18n/domain.py), and texts are bounded as the originals are."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints

from voting.i18n.domain import LANGUAGES, N_, link_code, msg

# The codes a SPEC may use, as the switcher's links spell them.
CODES = tuple(sorted(link_code(locale) for locale in LANGUAGES))

# As spec.py's Title and Text (not imported: spec.py imports this module).
Title = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[StrictStr, StringConstraints(max_length=5000)]
Code = Annotated[StrictStr, StringConstraints(max_length=35)]
SlugKey = Annotated[StrictStr, StringConstraints(max_length=64)]
CriterionKey = Annotated[StrictStr, StringConstraints(max_length=40)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryTranslation(_Strict):
    title: Title | None = None
    description: Text | None = None


class CriterionTranslation(_Strict):
    label: Title | None = None  # as spec.py's Criterion.label and .guidance
    guidance: Text | None = None


class Translation(_Strict):
    title: Title | None = None
    description: Text | None = None
    categories: Annotated[dict[SlugKey, CategoryTranslation], Field(max_length=200)] = Field(default_factory=dict)
    criteria: Annotated[dict[CriterionKey, CriterionTranslation], Field(max_length=50)] = Field(default_factory=dict)


Translations = Annotated[dict[Code, Translation], Field(max_length=len(CODES))]


def problems(translations: dict[str, Translation], slugs: list[str],
             criteria: list[str] | None = None) -> dict[str, str]:
    """Unknown language codes, category slugs and (when `criteria`, the rubric's
    keys, is given) criterion keys, each by its path."""
    found: dict[str, str] = {}
    known = set(slugs)
    for code, translation in translations.items():
        if code not in CODES:
            found[f"translations.{code}"] = msg("is not one of the languages %(codes)s", codes=", ".join(CODES))
        for slug in translation.categories:
            if slug not in known:
                found[f"translations.{code}.categories.{slug}"] = N_("is not the slug of a category of this contest")
        for key in translation.criteria if criteria is not None else ():
            if key not in criteria:
                found[f"translations.{code}.criteria.{key}"] = N_("is not the key of a judging criterion of this "
                                                                  "contest")
    return found


def as_given(translations: dict[str, Translation]) -> dict[str, Any]:
    """What the SPEC gave, without the fields it left out (stored, and answered in CONTEST)."""
    return {code: t.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
            for code, t in translations.items()}


def localise(texts: dict[str, str], translations: dict[str, Any] | None, locale: str,
             slug: str | None = None, criterion: str | None = None) -> dict[str, str]:
    """`texts` (title, description) in `locale` where the SPEC translates them (a category's, with its
    `slug`; a rubric criterion's label and guidance, with its key as `criterion`), the original where it
    does not."""
    given = (translations or {}).get(link_code(locale)) or {}
    if slug is not None:
        given = (given.get("categories") or {}).get(slug) or {}
    elif criterion is not None:
        given = (given.get("criteria") or {}).get(criterion) or {}
    return {name: given.get(name) or text for name, text in texts.items()}
