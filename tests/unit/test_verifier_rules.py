"""tools/verify_ledger.py against ballot rules a dishonest server bends, with every hash rebuilt
around the change: limits raised in a later batch or beyond the API's bounds, an entry in two
categories or moving between them, slugs that only look alike, ids and score keys too long to be
real; and against leaves published while the ledger says they are not, which would let it hide
the amendments' fields."""

from __future__ import annotations

import copy
import json

import pytest

from tests.support import ledgers as L
from tests.unit.test_verifier_tampering import genuine, leaf, refused, verify
from voting.ledger.domain import encoding


def later_rules(ledger: L.Ledger, change, batch: int = 2) -> L.Ledger:
    """Batch `batch` (and those after) sealed under a copy of the rules changed by `change`."""
    rules = copy.deepcopy(next(iter(ledger.rules.values())))
    change(rules)
    digest = encoding.rules_hash(rules)
    ledger.rules[digest] = rules
    for item in ledger.batches[batch - 1:]:
        item["rules_hash"] = digest
    return L.rechain(ledger)


# -- the method and its limits never change, and keep to the API's bounds ---------------------------------

def test_score_max_raised_in_a_later_batch(tmp_path):
    ledger = L.build([L.Ballot("c1", {"1": 5}), L.Ballot("c1", {"2": 3}), L.Ballot("c2", {"4": 1}),
                      L.Ballot("c1", {"1": 1})], method="score", batch_size=2)
    raised = later_rules(copy.deepcopy(ledger), lambda r: r.update(score_max=10))
    refused(tmp_path, leaf(raised, 2, 1, lambda f: f.update(selection={"1": 10})),
            "batch 2: its rules change what a ballot may be: score_max 10 (before: 5)")
    raised = later_rules(ledger, lambda r: r.update(score_max=1000))
    refused(tmp_path, leaf(raised, 2, 1, lambda f: f.update(selection={"1": 1000})),
            "(of batch 2): score_max 1000 is not a whole number from 1 to 100")


def test_max_choices_raised_in_a_later_batch(tmp_path):
    ledger = L.build([L.Ballot("c1", [1]), L.Ballot("c1", [2]), L.Ballot("c2", [4]), L.Ballot("c1", [1])],
                     method="approval", max_choices=1, batch_size=2)
    ledger = later_rules(ledger, lambda r: r.update(max_choices=3))
    refused(tmp_path, leaf(ledger, 2, 1, lambda f: f.update(selection=[1, 2, 3])),
            "batch 2: its rules change what a ballot may be: max_choices 3 (before: 1)")


def test_ranked_method_changed_in_a_later_batch(tmp_path):
    ledger = L.build([L.Ballot("c1", [1, 2]), L.Ballot("c1", [2]), L.Ballot("c2", [4]), L.Ballot("c1", [3])],
                     method="ranked", batch_size=2)
    refused(tmp_path, later_rules(ledger, lambda r: r.update(ranked_method="borda")),
            'ranked_method "borda" (before: "irv")')


@pytest.mark.parametrize("method, limit", [("approval", "max_choices"), ("score", "score_max")])
def test_limits_keep_to_the_apis_bounds(tmp_path, method, limit):
    ballot = {"approval": [1], "score": {"1": 2}}[method]
    assert verify(tmp_path, L.build([L.Ballot("c1", ballot)], method=method, **{limit: 100})).returncode == 0
    for value in (101, 2**40):
        refused(tmp_path, L.build([L.Ballot("c1", ballot)], method=method, **{limit: value}),
                f"{limit} {value} is not a whole number from 1 to 100")


# -- entries and categories --------------------------------------------------------------------------------

def test_an_entry_in_two_categories(tmp_path):
    ledger = genuine()
    next(iter(ledger.rules.values()))["categories"][1]["entries"].insert(0, {"id": 1, "title": "Entry 1 again"})
    ledger = leaf(L.rechain(ledger), 3, 1, lambda f: f.update(selection=[1]))  # a c2 ballot for entry 1
    refused(tmp_path, ledger, 'entry 1 is in categories "c1" and "c2"')


def test_an_entry_moving_between_categories(tmp_path):
    def move(rules):
        rules["categories"][0]["entries"] = [e for e in rules["categories"][0]["entries"] if e["id"] != 3]
        rules["categories"][1]["entries"] = [{"id": 3, "title": "Entry 3"}] + rules["categories"][1]["entries"]

    ledger = leaf(later_rules(genuine(), move, batch=3), 3, 1, lambda f: f.update(selection=[3]))
    refused(tmp_path, ledger, 'entry 3 is in category "c2", in the rules before in "c1": an entry never moves')


@pytest.mark.parametrize("slug", ["caf\u00e9", "cafe\u0301", "C1", "c_1", "-c1", "c1-", "", "x" * 65],
                         ids=["nfc", "nfd", "upper", "underscore", "leading-dash", "trailing-dash", "empty", "long"])
def test_category_slugs_are_slugs(tmp_path, slug):
    """Two categories named "café", one in NFC and one in NFD, would look like one: slugs are a-z,
    0-9 and inner dashes only."""
    ledger = L.build([L.Ballot(slug, [1]), L.Ballot("c2", [4])], categories={slug: [1, 2], "c2": [4, 5]})
    refused(tmp_path, ledger, f"category 0: slug {json.dumps(slug, ensure_ascii=False)} is not a slug")


def test_the_contest_slug_is_a_slug(tmp_path):
    ledger = L.build([L.Ballot("c1", [1])], contest="Exam\u00e9ple")
    refused(tmp_path, ledger, 'contest is "Examéple", not a contest\'s slug')


@pytest.mark.parametrize("entry", [0, 2**31, 10**30])
def test_entry_ids_are_32_bit(tmp_path, entry):
    ledger = L.build([L.Ballot("c1", [entry])], categories={"c1": [entry], "c2": [4]})
    refused(tmp_path, ledger, "category \"c1\": entries are not a list of {id, title} with whole ids from 1 to "
                              "2147483647")


def test_the_largest_id_and_a_twelve_digit_score_key(tmp_path):
    largest = 2**31 - 1
    ledger = L.build([L.Ballot("c1", {str(largest): 3})], method="score", categories={"c1": [largest], "c2": [4]})
    assert verify(tmp_path, ledger).returncode == 0
    refused(tmp_path, leaf(ledger, 1, 0, lambda f: f.update(selection={"1" + "0" * 12: 3})),
            'key "1000000000000" is not an entry id in canonical decimal')


# -- leaves given while the ledger says they are not --------------------------------------------------------

def test_leaves_given_although_leaves_published_is_false(tmp_path):
    """A server that says the leaves are not published yet, and so shows the amendments short, yet gives
    the leaves: the recount would skip every amendment. Rejected, and the amendments are due whole."""
    ledger = genuine()
    ledger.leaves_published = ledger.amendments_revealed = False
    body = L.saved(ledger)
    body["batches"] = L.saved(genuine())["batches"]
    out = refused(tmp_path, body, "batch 1: leaves are given although leaves_published is false")
    assert "amendment 1: its fields are withheld although leaves are given" in out


def test_lengths_count_code_points(tmp_path):
    """500 characters are 500 code points: 500 emoji (2,000 bytes of UTF-8, 1,000 UTF-16 units) pass."""
    assert verify(tmp_path, leaf(genuine(), 1, 2, lambda f: f.update(reason="\U0001F600" * 500))).returncode == 0
    refused(tmp_path, leaf(genuine(), 1, 2, lambda f: f.update(reason="\U0001F600" * 501)),
            "batch 1 leaf 2: reason")
