"""Helpers for ballot tests: a contest open for voting with entries, and a
client that asks for a challenge, solves it and casts."""

from __future__ import annotations

from voting.guards.domain import pow
from voting.contests import entries as entry_service
from voting.extensions import db

from tests.support.api import Api
from tests.support.factories import PASSWORD, make_contest, make_organiser


def open_contest(app, method="single", pow_bits=4, entries_per_category=3, slug="wsis-prizes-test",
                 awards: dict | None = None, categories: int | None = None, **voting):
    """A prize contest in its voting phase; answers (slug, {category: [entry ids]}).
    `categories`: how many (c1, c2, ...), else the factories' two."""
    with app.app_context():
        organiser = make_organiser("organiser@example.org")
        settings = {"method": method, "pow_bits": pow_bits, "min_render_seconds": 0, **voting}
        extra = {"awards": awards} if awards else {}
        if categories:
            extra["categories"] = [{"slug": f"c{n}", "title": f"Category {n}"} for n in range(1, categories + 1)]
        contest = make_contest(slug=slug, voting=settings, **extra)
        ids: dict[str, list[int]] = {}
        for category in contest.categories:
            for i in range(entries_per_category):
                entry = entry_service.add_entry(contest, {"category": category.slug, "title": f"{category.slug}-{i}"},
                                                organiser, contest.voting_opens_at)
                ids.setdefault(category.slug, []).append(entry.id)
        slug = contest.slug
        db.session.remove()
    return slug, ids


def voter_api(app, make, email="voter@example.org", verified=True) -> Api:
    make.user(email, verified=verified)
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


def proof(api: Api, slug: str) -> dict:
    body = api.get(f"/api/v1/challenge?contest={slug}").get_json()
    return {"token": body["token"], "nonce": pow.solve(body["token"], body["bits"])}


def cast(api: Api, slug: str, category: str, selection, with_proof=True, **extra):
    body = {"category": category, "selection": selection, **extra}
    if with_proof:
        body["pow"] = proof(api, slug)
    return api.post(f"/api/v1/contests/{slug}/ballots", json=body)
