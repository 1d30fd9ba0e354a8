"""A SPEC's `translations` may translate its rubric criteria's labels and
guidance (voting/contests/domain/spec_translations.py): bounded as the
originals, refused beside their field when blank, too long or for a key the
rubric does not have, and shown with a fallback field by field."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from voting.contests.domain import spec_translations
from voting.contests.domain.spec import validate_spec
from tests.support.factories import spec

ADAPTER = TypeAdapter(spec_translations.Translations)
CRITERIA = [{"key": "impact", "label": "Impact", "guidance": "Who is better off."}]


def test_criteria_translations_are_kept_as_given():
    found = validate_spec(spec(judging={"criteria": CRITERIA},
                               translations={"fr": {"criteria": {"impact": {"label": "Effet"}}}}))
    assert spec_translations.as_given(found.translations) == {"fr": {"criteria": {"impact": {"label": "Effet"}}}}


@pytest.mark.parametrize("given,kind", [({"label": "   "}, "string_too_short"),
                                        ({"label": "x" * 301}, "string_too_long"),
                                        ({"guidance": "x" * 5001}, "string_too_long"),
                                        ({"weight": 2}, "extra_forbidden"),
                                        ({"label": 5}, "string_type")])
def test_criteria_translations_are_bounded_as_the_originals(given, kind):
    with pytest.raises(ValidationError) as caught:
        ADAPTER.validate_python({"fr": {"criteria": {"impact": given}}})
    assert caught.value.errors()[0]["type"] == kind


def test_an_unknown_criterion_key_is_refused_by_its_path():
    translations = ADAPTER.validate_python({"fr": {"criteria": {"impact": {"label": "Effet"},
                                                                "beauty": {"label": "Beauté"}}}})
    found = spec_translations.problems(translations, ["c1"], ["impact"])
    assert found == {"translations.fr.criteria.beauty": "is not the key of a judging criterion of this contest"}
    assert spec_translations.problems(translations, ["c1"]) == {}  # without the rubric's keys: not checked


def test_a_criterion_is_shown_in_the_readers_language_with_a_fallback():
    translations = {"fr": {"criteria": {"impact": {"label": "Effet"}}}, "zh": {"criteria": {"impact": {
        "label": "影响", "guidance": "谁受益"}}}}
    texts = {"label": "Impact", "guidance": "Who is better off."}
    assert spec_translations.localise(texts, translations, "fr", criterion="impact") == {
        "label": "Effet", "guidance": "Who is better off."}
    assert spec_translations.localise(texts, translations, "zh_Hans", criterion="impact") == {
        "label": "影响", "guidance": "谁受益"}
    assert spec_translations.localise(texts, translations, "ar", criterion="impact") == texts
    assert spec_translations.localise(texts, translations, "fr", criterion="other") == texts
