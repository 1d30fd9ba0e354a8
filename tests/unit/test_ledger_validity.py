"""Whether a sealed leaf could be a real ballot of its batch (voting/ledger/domain/validity.py)."""

from __future__ import annotations

import json

import pytest

from voting.ballots.domain import selection as intake
from voting.ledger.domain import encoding, validity

CATEGORIES = [("c1", "One", [(3, "Three"), (7, "Seven"), (12, "Twelve")]), ("c2", "Two", [(20, "Twenty")])]


def rules(method: str, **limits) -> dict:
    return encoding.rules("wsis", method, limits.get("ranked_method", "irv"), limits.get("max_choices", 2),
                          limits.get("score_max", 5), CATEGORIES)


def leaf(selection, category="c1", status="counted", **extra) -> dict:
    # As encoding.leaf builds it (a float selection, which it refuses, only parsed from a leaf's text).
    invalidation = ("burst", "a bot", "cd" * 32) if status == "invalidated" else None
    built = json.loads(encoding.leaf("wsis", category, "ab" * 32, [], status, invalidation))
    return {**built, "selection": selection, **extra}


def problems(method: str, selection, **kw) -> list[str]:
    return validity.leaf_problems(leaf(selection, **{k: v for k, v in kw.items() if k in ("category", "status")}),
                                  rules(method, **{k: v for k, v in kw.items() if k not in ("category", "status")}))


@pytest.mark.parametrize("method, selection", [
    ("single", [3]), ("approval", [3, 12]), ("approval", [7]), ("ranked", [12, 3, 7]), ("ranked", [7]),
    ("score", {"3": 0, "12": 5}), ("score", {"7": 2})])
def test_valid_ballots_pass(method, selection):
    assert problems(method, selection) == []
    assert problems(method, selection, status="invalidated") == []


@pytest.mark.parametrize("method, selection, why", [
    ("single", [3, 7], "names 2 entries, at most 1"),
    ("single", [], "not a non-empty list"),
    ("single", 3, "not a non-empty list"),
    ("single", ["3"], "other than an integer id"),
    ("single", [True], "other than an integer id"),
    ("single", [3.0], "other than an integer id"),
    ("single", [20], "20, which is not an entry of the category"),
    ("single", [99], "99, which is not an entry"),
    ("approval", [3, 7, 12], "names 3 entries, at most 2"),
    ("approval", [3, 3], "more than once"),
    ("ranked", [3, 7, 3], "more than once"),
    ("ranked", [], "not a non-empty list"),
    ("score", {}, "not a non-empty object"),
    ("score", [3], "not a non-empty object"),
    ("score", {"03": 1}, "canonical decimal"),
    ("score", {"+3": 1}, "canonical decimal"),
    ("score", {"٣": 1}, "canonical decimal"),
    ("score", {"3": -1}, "whole number from 0 to 5"),
    ("score", {"3": 6}, "whole number from 0 to 5"),
    ("score", {"3": True}, "whole number from 0 to 5"),
    ("score", {"20": 1}, "20, which is not an entry"),
    ("none", [3], "takes no ballots"),
])
def test_impossible_selections_are_named(method, selection, why):
    found = problems(method, selection)
    assert len(found) == 1 and why in found[0], found


def test_every_selection_the_intake_accepts_passes():
    """The intake checks against the approved entries, the rules list every handed-in one: never stricter."""
    eligible = frozenset({3, 7, 12})
    for method, selection in [("single", [7]), ("approval", [3, 7]), ("ranked", [12, 7, 3]), ("score", {"12": 4})]:
        accepted = intake.check(intake.Rules(method, max_choices=2, score_max=5), selection, eligible)
        assert problems(method, accepted) == []


def test_leaf_shapes():
    base = rules("single")
    assert validity.leaf_problems([], base) == ["the leaf is not an object"]
    assert validity.leaf_problems({**leaf([3]), "status": "under_review"}, base) == [
        "the status 'under_review' cannot be sealed"]
    assert "keys" in validity.leaf_problems({**leaf([3]), "note": 1}, base)[0]
    assert "keys" in validity.leaf_problems({**leaf([3]), "rule": ""}, base)[0]  # counted: five fields exactly
    missing = leaf([3], status="invalidated")
    del missing["audit_hash"]
    assert "keys" in validity.leaf_problems(missing, base)[0]
    assert validity.leaf_problems(leaf([3], contest="other"), base) == [
        "the leaf names the contest 'other', its rules 'wsis'"]
    assert validity.leaf_problems(leaf([3], receipt_hash="AB" * 32), base) == [
        "the receipt_hash is not 64 lower-case hexadecimal digits"]
    assert validity.leaf_problems(leaf([3], category="c9"), base) == ["the category 'c9' is not in the batch's rules"]
    assert validity.leaf_problems(leaf([3], category=["c1"]), base) == [
        "the category ['c1'] is not in the batch's rules"]
    bad = leaf([3], status="invalidated", rule=1, reason="x" * 501, audit_hash="")
    assert validity.leaf_problems(bad, base) == [
        "the rule is not a string", "the reason is not a string of at most 500 characters",
        "the audit_hash is not 64 lower-case hexadecimal digits"]


def test_rules_shapes():
    for method in ("single", "approval", "score", "ranked", "none"):
        assert validity.rules_problems(rules(method)) == []
    assert validity.rules_problems([]) == ["the rules are not an object"]
    assert "keys" in validity.rules_problems({**rules("single"), "extra": 1})[0]
    assert validity.rules_problems({**rules("single"), "max_choices": 2}) == [
        "max_choices must be null for the method 'single'"]
    assert validity.rules_problems({**rules("approval"), "max_choices": 0}) == [
        "max_choices must be a whole number from 1 to 100"]
    assert validity.rules_problems({**rules("ranked"), "ranked_method": "coin"}) == [
        "ranked_method 'coin' is not one of irv, schulze, borda"]
    assert validity.rules_problems({**rules("single"), "method": "lottery"})[0] == "unknown method 'lottery'"
    unordered = rules("single")
    unordered["categories"][0]["entries"].reverse()
    assert validity.rules_problems(unordered) == ["category 0: entries are not in ascending order of distinct ids"]
    twice = rules("single")
    twice["categories"][1]["slug"] = "c1"
    assert validity.rules_problems(twice) == [
        "category 1: the slug is not a slug (a-z, 0-9 and inner dashes), or repeats one before"]
    strings = rules("single")
    strings["categories"][0]["entries"][0]["id"] = "3"
    assert "integer ids" in validity.rules_problems(strings)[0]


def test_rules_keep_to_the_apis_bounds():
    """max_choices and score_max from 1 to 100 (VotingSpec), ids from 1 to 2**31 - 1 (INTEGER columns)."""
    assert validity.rules_problems(rules("approval", max_choices=100)) == []
    assert validity.rules_problems(rules("score", score_max=100)) == []
    assert validity.rules_problems(rules("approval", max_choices=101)) == [
        "max_choices must be a whole number from 1 to 100"]
    assert validity.rules_problems(rules("score", score_max=1000)) == [
        "score_max must be a whole number from 1 to 100"]
    for bad_id in (0, 2**31, 10**30):
        huge = rules("single")
        huge["categories"][1]["entries"][0]["id"] = bad_id
        assert validity.rules_problems(huge) == [
            "category 1: entries are not a list of {id, title} with integer ids from 1 to 2147483647"], bad_id
    largest = rules("single")
    largest["categories"][1]["entries"][0]["id"] = 2**31 - 1
    assert validity.rules_problems(largest) == []


@pytest.mark.parametrize("slug", ["", "C1", "-c1", "c1-", "caf\u00e9", "cafe\u0301", "c 1", "c_1", "x" * 65, 7])
def test_category_slugs_are_slugs(slug):
    odd = rules("single")
    odd["categories"][0]["slug"] = slug
    assert validity.rules_problems(odd) == [
        "category 0: the slug is not a slug (a-z, 0-9 and inner dashes), or repeats one before"]


def test_an_entry_is_in_one_category_only():
    twice = rules("single")
    twice["categories"][1]["entries"].insert(0, {"id": 3, "title": "Three again"})
    assert validity.rules_problems(twice) == ["category 1: entry 3 is in category 'c1' too"]


def test_score_keys_have_at_most_twelve_digits():
    """As the intake (selection.py): one spelling per entry, and no id of a thousand digits to parse."""
    assert "canonical decimal" in problems("score", {"1" + "0" * 12: 1})[0]
    assert "which is not an entry" in problems("score", {"9" * 12: 1})[0]
