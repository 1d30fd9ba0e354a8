"""Where a new contest starts: a template per kind of contest, or a copy of an
earlier one. Plain SPEC dicts; the phase dates are computed from `now`, the
first opening a week later (at midnight UTC), so a contest made from a template
starts as a draft, hidden from the public, until its organiser has checked its
settings and opens it ("Open … now" on the settings page) or lets it open.

The templates follow the WSIS Forum's contests (docs: /work/shared/wsis-2021.md):
- `wsis-prize`: the WSIS Prizes: 18 Action Line categories, a public vote for
  five Champions per category, then an expert group picks one Winner.
- `hackathon`: challenge areas judged on a rubric by experts; no public vote.
- `shortlist`: a prize judged in rounds (judging/rounds.py): the first round's
  rubric screens every entry, the organiser then advances a shortlist to a
  round of its own; no public vote.
- `photo`: a photo contest, a public vote and a jury awarding three places.

Cloning keeps an earlier contest's rules, categories and texts, under a new
slug and title, and clears its phases: dates from last year would either be
in the past (the contest would open closed) or refused, and an organiser sets
the new ones in the editor.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from voting.contests.domain.action_lines import ACTION_LINES
from voting.i18n.domain import N_


def _criterion(key: str, label: str, weight: float, guidance: str = "") -> dict[str, Any]:
    return {"key": key, "label": label, "weight": weight, "min": 0.0, "max": 10.0, "guidance": guidance}


# Each template: its kind, its name and one-line summary (shown on the "new contest" page, translated there),
# the phases as (opens, closes) in days from now, and the SPEC's sections. Categories and rubric texts are the
# organiser's own content (a SPEC's texts are not translated by the catalogues), so they stay plain.
TEMPLATES: dict[str, dict[str, Any]] = {
    "wsis-prize": {
        "name": N_("WSIS-style prize"),
        "summary": N_("18 Action Line categories; a public vote picks five champions per category, then a jury "
                      "picks one winner among them."),
        "days": {"submission": (0, 28), "voting": (28, 49), "judging": (49, 63)},
        "spec": {
            "kind": "prize",
            "description": "Vote for one project in each category: the five projects with the most valid votes "
                           "in each become Champions, and an expert group picks one Winner among them.",
            "categories": [{"slug": slug, "title": title} for slug, title in ACTION_LINES],
            "voting": {"method": "single"},
            "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
                _criterion("impact", "Impact on sustainable development", 0.5),
                _criterion("scalability", "Scalability and sustainability", 0.3),
                _criterion("innovation", "Innovation", 0.2)]},
            "awards": {"policy": "jury_among_champions", "champions_per_category": 5, "winners_per_category": 1},
            "submissions": {"summary_max_words": 200},
        },
    },
    "hackathon": {
        "name": N_("Hackathon"),
        "summary": N_("Teams enter in challenge areas; expert judges score a rubric and pick one winning team "
                      "per area. No public vote."),
        "days": {"submission": (0, 30), "judging": (30, 44)},
        "spec": {
            "kind": "hackathon",
            "description": "Teams build solutions in the challenge areas below; expert judges choose one winning "
                           "team per area.",
            "categories": [{"slug": "challenge-1", "title": "Challenge area 1"},
                           {"slug": "challenge-2", "title": "Challenge area 2"}],
            "voting": {"method": "none", "pow_bits": 0},
            "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
                _criterion("impact", "Impact", 0.4),
                _criterion("feasibility", "Feasibility", 0.3),
                _criterion("innovation", "Innovation", 0.2),
                _criterion("presentation", "Presentation", 0.1)]},
            "awards": {"policy": "jury", "winners_per_category": 1},
        },
    },
    "shortlist": {
        "name": N_("Shortlist prize in rounds"),
        "summary": N_("A jury screens every entry on a rubric, then shortlists the best to a final round of "
                      "their own and picks the winner. No public vote."),
        "days": {"submission": (0, 42), "judging": (42, 84)},
        "spec": {
            "kind": "prize",
            "description": "An expert jury screens every entry, shortlists the finalists and chooses the winner.",
            "categories": [{"slug": "finalists", "title": "Finalists"}],
            "voting": {"method": "none", "pow_bits": 0},
            "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
                _criterion("impact", "Impact", 0.5),
                _criterion("evidence", "Evidence and results", 0.3),
                _criterion("scalability", "Scalability", 0.2)]},
            "awards": {"policy": "jury", "winners_per_category": 1},
        },
    },
    "photo": {
        "name": N_("Photo contest"),
        "summary": N_("Photos in one theme; a public vote, then a jury awards three places."),
        "days": {"submission": (0, 21), "voting": (21, 42), "judging": (42, 56)},
        "spec": {
            "kind": "photo",
            "description": "Show how ICTs help reach the Sustainable Development Goals.",
            "categories": [{"slug": "photos", "title": "Photos"}],
            "voting": {"method": "single"},
            "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
                _criterion("message", "Message", 0.5),
                _criterion("composition", "Composition", 0.3),
                _criterion("originality", "Originality", 0.2)]},
            "awards": {"policy": "jury", "winners_per_category": 3},
            "submissions": {"max_per_person": 5},
        },
    },
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


LEAD_DAYS = 7  # a template contest's first window opens this many days after it is made (rounded to the day)


def phases_from(days: dict[str, tuple[int, int]], now: datetime) -> dict[str, dict[str, str]]:
    """Windows `days` after the first one's start: midnight UTC `LEAD_DAYS`
    days after `now` (so never sooner than six days away: a draft meanwhile)."""
    start = (now.astimezone(timezone.utc) + timedelta(days=LEAD_DAYS)).replace(hour=0, minute=0, second=0,
                                                                               microsecond=0)
    return {name: {"opens_at": _iso(start + timedelta(days=opens)), "closes_at": _iso(start + timedelta(days=closes))}
            for name, (opens, closes) in days.items()}


def from_template(name: str, slug: str, title: str, now: datetime) -> dict[str, Any]:
    """A new contest's SPEC from the template `name` (KeyError if unknown)."""
    template = TEMPLATES[name]
    return {"slug": slug, "title": title, **copy.deepcopy(template["spec"]),
            "phases": phases_from(template["days"], now)}


def cloned(source: dict[str, Any], slug: str, title: str) -> dict[str, Any]:
    """An earlier contest's SPEC (as stored) under a new slug and title, its
    phases cleared. Translations of the old title and description go too (they
    name the old contest); its categories' translations stay."""
    spec = copy.deepcopy(source)
    spec.update(slug=slug, title=title, phases={})
    translations = {}
    for language, texts in (spec.get("translations") or {}).items():
        kept = {key: value for key, value in texts.items() if key not in ("title", "description")}
        if kept:
            translations[language] = kept
    spec["translations"] = translations
    return spec
