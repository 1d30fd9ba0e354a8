"""A SPEC's `translations`: checked as strictly as the rest of the SPEC (known
language codes, known category slugs, texts bounded as the originals, every
problem beside its field), kept as given, and read with a fallback; and the
pure helpers of voting/i18n/domain.py."""

import pickle

import pytest

from tests.support.specs import spec_problems

from voting.contests.domain import spec_translations
from voting.contests.domain.spec import merge_patch, patch_spec, validate_spec
from voting.i18n.domain import Message, direction, html_lang, link_code, msg, nmsg, parse, validation_message


def base(**over):
    spec = {"slug": "wsis-prizes-2021", "title": "WSIS Prizes 2021", "kind": "prize",
            "categories": [{"slug": "c1", "title": "C1 Public governance"}, {"slug": "c2", "title": "C2"}]}
    spec.update(over)
    return spec


FRENCH = {"fr": {"title": "Prix du SMSI 2021", "description": "Les prix.",
                 "categories": {"c1": {"title": "C1 Gouvernance publique"}}}}


def test_translations_are_kept_as_given():
    spec = validate_spec(base(translations={**FRENCH, "zh": {"title": "信息社会世界峰会奖 2021"}}))
    assert spec_translations.as_given(spec.translations) == {**FRENCH, "zh": {"title": "信息社会世界峰会奖 2021"}}
    assert validate_spec(base()).translations == {}


def test_every_problem_is_beside_its_field():
    found = spec_problems(base(translations={
        "de": {"title": "Preise"},                                    # not one of our languages
        "fr": {"title": " ", "description": "x" * 5001, "subtitle": "?",  # blank, too long, unknown field
               "categories": {"c1": {"title": "y" * 301}}},
        "es": {"categories": {"c9": {"title": "C9"}}},                # no such category
        "ru": "Призы",                                                # not an object
    }))
    assert set(found) == {"translations.fr.title", "translations.fr.description", "translations.fr.subtitle",
                          "translations.fr.categories.c1.title", "translations.ru"}, found
    # The rules that need the whole SPEC (codes, slugs) run once the shape is right, all at once.
    found = spec_problems(base(translations={"de": {"title": "Preise"}, "es": {"categories": {"c9": {"title": "C9"}}},
                                      "zh-Hans": {"title": "奖"}}))
    assert set(found) == {"translations.de", "translations.es.categories.c9", "translations.zh-Hans"}
    assert found["translations.de"] == "is not one of the languages ar, en, es, fr, ru, zh"


def test_a_patch_merges_and_removes_translations():
    current = validate_spec(base(translations=FRENCH)).to_json()
    patched = patch_spec(current, {"translations": {"fr": {"title": "Prix 2021"}, "ar": {"title": "جوائز 2021"}}})
    assert patched.translations["fr"].title == "Prix 2021"
    assert patched.translations["fr"].categories["c1"].title == "C1 Gouvernance publique"
    assert "fr" not in patch_spec(current, {"translations": {"fr": None}}).translations
    assert merge_patch(current, {"translations": None}).get("translations") is None


def test_localise_falls_back_field_by_field():
    given = spec_translations.as_given(validate_spec(base(translations=FRENCH)).translations)
    texts = {"title": "WSIS Prizes 2021", "description": "The prizes."}
    assert spec_translations.localise(texts, given, "fr") == {"title": "Prix du SMSI 2021", "description": "Les prix."}
    assert spec_translations.localise(texts, given, "es") == texts
    assert spec_translations.localise({"title": "C1", "description": "About C1"}, given, "fr", "c1") == {
        "title": "C1 Gouvernance publique", "description": "About C1"}
    assert spec_translations.localise({"title": "C2"}, given, "fr", "c2") == {"title": "C2"}
    assert spec_translations.localise(texts, None, "zh_Hans") == texts


def test_language_tags():
    assert [parse(t) for t in ("fr", "FR-ca", "zh", "zh-Hans", "zh_CN", "zh-TW", "ar-EG", "de", "", None, "x" * 40)] \
        == ["fr", "fr", "zh_Hans", "zh_Hans", "zh_Hans", "zh_Hans", "ar", None, None, None, None]
    assert (html_lang("zh_Hans"), link_code("zh_Hans"), direction("ar"), direction("fr")) == ("zh-Hans", "zh", "rtl",
                                                                                             "ltr")


def test_messages_read_as_english_and_keep_their_id():
    m = msg("must be at most %(num)d characters", num=120)
    assert m == "must be at most 120 characters" and m.msgid == "must be at most %(num)d characters"
    assert m.values == {"num": 120} and isinstance(m, str)
    one, many = (nmsg("%(num)d entry", "%(num)d entries", n) for n in (1, 3))
    assert (one, many) == ("1 entry", "3 entries") and many.plural == "%(num)d entries"
    again = pickle.loads(pickle.dumps(many))
    assert isinstance(again, Message) and again.msgid == "%(num)d entry" and again == "3 entries"


def test_pydantic_problems_in_our_words():
    from pydantic import BaseModel, Field, ValidationError, StrictStr, StringConstraints
    from typing import Annotated, Literal

    class Model(BaseModel):
        a: Annotated[StrictStr, StringConstraints(max_length=3)]
        b: Annotated[int, Field(ge=2)]
        c: Literal["x", "y"]
        d: int

    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"a": "abcd", "b": 1, "c": "z"})
    words = {item["loc"][0]: validation_message(item) for item in caught.value.errors()}
    assert words == {"a": "must be at most 3 characters", "b": "must be at least 2",
                     "c": "must be one of 'x', 'y'", "d": "is required"}
    assert words["a"].msgid == "must be at most %(num)d character"
