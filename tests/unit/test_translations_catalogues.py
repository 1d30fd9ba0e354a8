"""The catalogues are in step with the code and complete.

- messages.pot is what extraction gives now (a marked string added, changed or
  removed since the last `translations extract` fails here);
- each language's messages.po holds every message of the template, translated
  (every plural form), none fuzzy, with the msgid's placeholders (`%(name)s`,
  `{name}`): a translation that drops or invents one would break the page or
  show a raw placeholder;
- each compiles, and its compiled .mo (which the app reads) is not older than
  it (scripts/setup-venv compiles them).

English is the language of the msgids: it has no catalogue to check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from voting.i18n import catalogues
from voting.i18n.domain import LANGUAGES, SOURCE

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{(\w+)\}")


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def entries(catalog: Catalog) -> dict:
    """What extraction decides: ids, plural ids, contexts, the files that use them, flags, translators' notes."""
    return {message.id: (sorted({path for path, _line in message.locations}), sorted(message.flags),
                         message.auto_comments, message.context)
            for message in catalog if message.id}


def test_the_template_is_what_extraction_gives_now(tmp_path):
    fresh = load(catalogues.extract(tmp_path / "messages.pot"))
    kept = load(catalogues.TEMPLATE)
    missing, stale = set(entries(fresh)) - set(entries(kept)), set(entries(kept)) - set(entries(fresh))
    assert not missing and not stale, (
        f"voting/translations/messages.pot is stale: run `flask --app voting translations extract` and "
        f"`… update` (docs/translations.md). New: {sorted(map(str, missing))[:10]}; "
        f"gone: {sorted(map(str, stale))[:10]}")
    assert entries(fresh) == entries(kept), "messages.pot's locations or flags are stale: extract again"


def test_every_language_but_english_has_a_catalogue():
    assert catalogues.LOCALES == [locale for locale in LANGUAGES if locale != SOURCE]
    assert set(catalogues.LOCALES) == {"ar", "zh_Hans", "fr", "ru", "es"}
    for locale in catalogues.LOCALES:
        assert catalogues.catalogue(locale).exists(), locale


def problems_of(catalog: Catalog, template: Catalog) -> list[str]:
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        name = message.id if isinstance(message.id, str) else message.id[0]
        if found is None:
            problems.append(f"missing: {name!r}")
            continue
        if found.fuzzy:
            problems.append(f"fuzzy: {name!r}")
        strings = found.string if isinstance(found.string, (list, tuple)) else [found.string]
        if not all(strings):
            problems.append(f"empty: {name!r}")
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        wanted = set().union(*(placeholders(i) for i in ids))
        for text in strings:
            have = placeholders(text)
            # A plural form for one value may say "one" instead of the number: `num` may be left out there.
            if not have <= wanted or (wanted - have) - ({"num"} if len(strings) > 1 else set()):
                problems.append(f"placeholders {sorted(have)} instead of {sorted(wanted)}: {name!r}")
    return problems


@pytest.mark.parametrize("locale", catalogues.LOCALES)
def test_the_catalogue_is_complete(locale):
    template = load(catalogues.TEMPLATE)
    catalog = load(catalogues.catalogue(locale), locale)
    problems = problems_of(catalog, template)
    assert not problems, f"{locale}: {len(problems)} problems, such as {problems[:15]}"


def test_the_completeness_check_finds_what_it_must():
    template = Catalog()
    for msgid in ("Hello", "%(name)s voted", ("%(num)d entry", "%(num)d entries"), "Gone", "Vague"):
        template.add(msgid)
    catalog = Catalog(locale="fr")
    catalog.add("Hello", "Bonjour")
    catalog.add("%(name)s voted", "%(nom)s a voté")
    catalog.add(("%(num)d entry", "%(num)d entries"), ("une entrée", "%(num)d entrées"))  # num left out: fine
    catalog.add("Vague", "Vague", flags=["fuzzy"])
    found = problems_of(catalog, template)
    assert found == ["placeholders ['nom'] instead of ['name']: '%(name)s voted'", "missing: 'Gone'",
                     "fuzzy: 'Vague'"], found


@pytest.mark.parametrize("locale", catalogues.LOCALES)
def test_the_catalogue_compiles_and_its_compiled_copy_is_current(locale, tmp_path):
    po = catalogues.catalogue(locale)
    with (tmp_path / "messages.mo").open("wb") as target:
        write_mo(target, load(po, locale))
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        f"{mo} is missing or older than its .po: run scripts/setup-venv (or `flask --app voting translations compile`)")


def test_catalogues_name_their_language_and_plural_rule():
    for locale in catalogues.LOCALES:
        catalog = load(catalogues.catalogue(locale), locale)
        assert str(catalog.locale) == locale
        assert catalog.num_plurals == {"ar": 6, "zh_Hans": 1, "fr": 3, "ru": 3, "es": 3}[locale], locale
