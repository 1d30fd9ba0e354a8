import pytest

from tests.support.specs import spec_problems

from voting.contests.domain.spec import SpecErrors, merge_patch, patch_spec, validate_spec
from voting.fraud.domain.policy import Policy


def base(**over):
    spec = {"slug": "wsis-prizes-2021", "title": "WSIS Prizes 2021", "kind": "prize",
            "categories": [{"slug": "c1", "title": "C1"}]}
    spec.update(over)
    return spec


def test_defaults_follow_the_kind():
    prize = validate_spec(base())
    assert prize.voting.method == "single" and prize.voting.pow_bits == 16
    assert prize.awards.policy == "jury_among_champions" and prize.awards.champions_per_category == 5
    hack = validate_spec(base(kind="hackathon"))
    assert hack.voting.method == "none" and hack.awards.policy == "jury"
    photo = validate_spec(base(kind="photo"))
    assert photo.awards.winners_per_category == 3
    assert prize.judging.criteria[0].key == "overall"


def test_given_values_override_kind_defaults():
    spec = validate_spec(base(kind="hackathon", voting={"method": "approval", "max_choices": 3},
                              awards={"policy": "hybrid", "public_weight": 0.3}))
    assert spec.voting.method == "approval" and spec.voting.max_choices == 3
    assert spec.awards.public_weight == 0.3


def test_every_problem_is_reported_with_its_path():
    found = spec_problems({
        "slug": "Bad Slug", "title": "", "kind": "quiz", "extra": 1,
        "categories": [{"slug": "c1", "title": "A", "colour": "red"}],
        "voting": {"method": "single", "pow_bits": "16"},
        "phases": {"voting": {"opens_at": "2021-05-01T00:00:00", "closes_at": 5}},
    })
    assert {"slug", "title", "kind", "extra", "categories.0.colour", "voting.pow_bits",
            "phases.voting.opens_at", "phases.voting.closes_at"} <= set(found)
    assert found["extra"] == "is not a known field"


def test_rules_across_fields():
    found = spec_problems(base(
        categories=[{"slug": "c1", "title": "A"}, {"slug": "c1", "title": "B"}],
        phases={"submission": {"opens_at": "2021-01-01T00:00:00+00:00", "closes_at": "2021-02-01T00:00:00+00:00"},
                "voting": {"opens_at": "2021-01-15T00:00:00+00:00", "closes_at": "2021-01-10T00:00:00+00:00"}},
        voting={"method": "none"},
        judging={"criteria": [{"key": "impact", "label": "Impact", "min": 5, "max": 5},
                              {"key": "impact", "label": "Again"}]},
        awards={"winners_per_category": 6},
    ))
    assert found["categories.1.slug"].startswith("repeats")
    assert found["phases.voting.closes_at"] == "must be after opens_at"
    assert found["phases.voting.opens_at"].startswith("must not be before")
    assert "needs a public vote" in found["voting.method"]
    assert found["judging.criteria.0.max"] == "must be greater than min"
    assert found["judging.criteria.1.key"].startswith("repeats")
    assert found["awards.winners_per_category"] == "must not exceed champions_per_category"


def test_photo_contests_award_three_places_at_most():
    assert "awards.winners_per_category" in spec_problems(base(kind="photo", awards={"winners_per_category": 4}))


def test_not_an_object():
    assert spec_problems([1, 2]) == {"body": "must be a JSON object"}


def test_merge_patch_is_rfc7396():
    assert merge_patch({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"b": None, "e": 3}, "d": [1]}) == \
        {"a": {"c": 2, "e": 3}, "d": [1]}


def test_patch_keeps_slug_and_kind():
    current = validate_spec(base()).to_json()
    with pytest.raises(SpecErrors) as caught:
        patch_spec(current, {"slug": "other", "kind": "photo"})
    assert set(caught.value.fields) == {"slug", "kind"}
    patched = patch_spec(current, {"title": "New", "voting": {"pow_bits": 0}})
    assert patched.title == "New" and patched.voting.pow_bits == 0 and patched.voting.method == "single"


def test_fraud_section():
    spec = validate_spec(base(fraud={"countries": ["CH", "FR"], "thresholds": {"burst_min_count": 50}}))
    assert spec.fraud.countries == ["CH", "FR"]
    assert "fraud.countries.0" in spec_problems(base(fraud={"countries": ["ch"]}))
    found = spec_problems(base(fraud={"thresholds": {"no_such_threshold": 1, "burst_ratio": -3}}))
    assert set(found) == {"fraud.thresholds.no_such_threshold", "fraud.thresholds.burst_ratio"}


def test_fraud_policy():
    spec = validate_spec(base())
    assert (spec.fraud.rules, spec.fraud.hold_threshold, spec.fraud.flag_threshold) == (
        {}, Policy.hold_threshold, Policy.flag_threshold)
    spec = validate_spec(base(fraud={"rules": {"burst": "off", "country": "flag"}, "hold_threshold": 2,
                                     "flag_threshold": 0.8}))
    assert spec.fraud.rules == {"burst": "off", "country": "flag"} and spec.fraud.hold_threshold == 2.0
    # Every problem at once, each beside its field.
    found = spec_problems(base(fraud={"rules": {"no_such_rule": "hold", "burst": "maybe"}, "hold_threshold": 20,
                               "flag_threshold": 0.05, "thresholds": {"burst_ratio": -3}}))
    assert set(found) == {"fraud.rules.no_such_rule", "fraud.rules.burst", "fraud.hold_threshold",
                          "fraud.flag_threshold", "fraud.thresholds.burst_ratio"}
    assert "is not a rule" in found["fraud.rules.no_such_rule"]
    assert "hold, flag or off" in found["fraud.rules.burst"]
    assert spec_problems(base(fraud={"hold_threshold": 0.5, "flag_threshold": 0.8})) == {
        "fraud.flag_threshold": "must not be above hold_threshold"}
    assert "fraud.hold_threshold" in spec_problems(base(fraud={"hold_threshold": "high"}))
    assert "fraud.rules.burst" in spec_problems(base(fraud={"rules": {"burst": 1}}))


def test_tie_break_chain_and_criterion_guidance():
    spec = validate_spec(base(awards={"tie_break": ["public_votes", "draw"]},
                              judging={"criteria": [{"key": "impact", "label": "Impact", "guidance": "Lives changed"}]}))
    assert spec.awards.tie_break == ["public_votes", "draw"]
    assert spec.judging.criteria[0].guidance == "Lives changed"
    assert validate_spec(base()).awards.tie_break == ["jury_score", "public_votes", "earliest_submission", "draw"]
    assert set(spec_problems(base(awards={"tie_break": ["draw", "draw"]}))) == {"awards.tie_break"}
    assert set(spec_problems(base(awards={"tie_break": ["coin"]}))) == {"awards.tie_break.0"}
    assert set(spec_problems(base(awards={"tie_break": []}))) == {"awards.tie_break"}


@pytest.mark.parametrize("stamp, fine", [("1999-12-31T23:59:59+00:00", False), ("2000-01-01T00:00:00+00:00", True),
                                         ("2000-01-01T00:30:00+01:00", False), ("2200-12-31T23:59:00+00:00", True),
                                         ("2201-01-01T00:00:00+00:00", False), ("9999-12-31T23:59:00+00:00", False),
                                         ("0001-01-01T00:30:00+01:00", False)])
def test_phase_dates_stay_in_a_sane_range(stamp, fine):
    """Years 2000 to 2200: far enough inside what a datetime holds that no time zone's shift or added minute
    overflows."""
    other = "2100-06-01T00:00:00+00:00"
    window = {"opens_at": stamp, "closes_at": other} if stamp < "2100" else {"opens_at": other, "closes_at": stamp}
    raw = base(phases={"judging": window})
    if fine:
        assert validate_spec(raw)
    else:
        assert spec_problems(raw) == {f"phases.judging.{next(k for k, v in window.items() if v == stamp)}":
                                      "is outside the supported range of dates"}


def test_a_pattern_problem_says_that_patterns_rule():
    """Slugs take dashes, rubric keys underscores (and start with a letter), countries are ISO codes."""
    found = spec_problems(base(slug="Bad Slug", judging={"criteria": [{"key": "social-impact", "label": "Impact"}]},
                               fraud={"countries": ["ch"]}))
    assert found["slug"] == "must be lower-case letters, digits and dashes"
    assert found["judging.criteria.0.key"] == (
        "must be lower-case letters, digits and underscores, starting with a letter")
    assert found["fraud.countries.0"] == "must be an ISO 3166-1 alpha-2 country code such as CH"
