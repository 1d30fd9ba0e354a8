"""The WSIS Forum 2021 demo: four contest SPECs, with phase windows relative to
the moment of seeding, and their entries. Plain data; nothing here touches the
database.

Phases at seeding time, so that a newcomer sees each of them:
- WSIS Prizes 2021: submission closed, public voting open (about four weeks
  in all), expert judging after the vote.
- Hackathon and Healthy Ageing prize: judging open.
- Photo contest: submission open, voting later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from voting.contests.domain.action_lines import ACTION_LINES
from voting.demo.wsis2021_others import HACKATHON_TEAMS, HEALTHY_AGEING_FINALISTS, PHOTOS
from voting.demo.wsis2021_prizes_a import ENTRIES_A
from voting.demo.wsis2021_prizes_b import ENTRIES_B


CHALLENGE_AREAS: list[tuple[str, str, str]] = [
    ("alzheimers-cognitive-decline", "Alzheimer's disease and cognitive decline",
     "Tools that help people living with dementia, and their carers, keep independence and dignity."),
    ("frailty", "Frailty",
     "Ways to detect, prevent and slow frailty so that older people stay strong and active."),
    ("transportation-mobility", "Transportation and mobility",
     "Getting around safely and independently, in cities and in the countryside."),
    ("financial-tools-longevity", "Financial tools for longevity",
     "Saving, planning and protection from fraud for longer lives."),
]

PRIZES_SLUG = "wsis-prizes-2021"
HACKATHON_SLUG = "ageing-better-hackathon-2021"
HEALTHY_AGEING_SLUG = "healthy-ageing-innovation-prize-2021"
PHOTO_SLUG = "wsis-photo-contest-2021"


@dataclass(frozen=True)
class DemoEntry:
    data: dict[str, str]
    # (palette, motif, seed) of a generated photo, for photo contests.
    photo: tuple[int, str, int] | None = None


@dataclass(frozen=True)
class DemoContest:
    spec: dict[str, Any]
    entries: list[DemoEntry] = field(default_factory=list)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _window(now: datetime, opens_days: float, closes_days: float) -> dict[str, str]:
    return {"opens_at": _iso(now + timedelta(days=opens_days)),
            "closes_at": _iso(now + timedelta(days=closes_days))}


def prizes(now: datetime) -> DemoContest:
    spec = {
        "slug": PRIZES_SLUG,
        "title": "WSIS Prizes 2021",
        "kind": "prize",
        "description": ("The WSIS Prizes recognise ICT projects that advance the WSIS Action Lines and the "
                        "Sustainable Development Goals. Vote for one project in each of the 18 categories: "
                        "the five projects with the most valid votes in each become Champions, and an "
                        "expert group picks one Winner among them."),
        "categories": [{"slug": slug, "title": title} for slug, title in ACTION_LINES],
        "phases": {"submission": _window(now, -70, -14),
                   "voting": _window(now, -7, 21),
                   "judging": _window(now, 21, 35)},
        "voting": {"method": "single"},
        "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
            {"key": "impact", "label": "Impact on sustainable development", "weight": 0.5, "min": 0.0, "max": 10.0},
            {"key": "scalability", "label": "Scalability and sustainability", "weight": 0.3, "min": 0.0, "max": 10.0},
            {"key": "innovation", "label": "Innovation", "weight": 0.2, "min": 0.0, "max": 10.0},
        ]},
        "awards": {"policy": "jury_among_champions", "champions_per_category": 5, "winners_per_category": 1},
    }
    entries = [DemoEntry({"category": slug, "title": title, "organisation": org, "country": country,
                          "summary": summary})
               for slug, _ in ACTION_LINES
               for title, org, country, summary in {**ENTRIES_A, **ENTRIES_B}[slug]]
    return DemoContest(spec, entries)


def hackathon(now: datetime) -> DemoContest:
    spec = {
        "slug": HACKATHON_SLUG,
        "title": "Hackathon: Ageing Better with ICTs",
        "kind": "hackathon",
        "description": ("Teams from around the world built ICT solutions for older persons in four challenge "
                        "areas. Expert judges choose one winning team per area; each winner receives a "
                        "six-month mentorship and a USD 1,000 prize."),
        "categories": [{"slug": slug, "title": title, "description": text}
                       for slug, title, text in CHALLENGE_AREAS],
        "phases": {"submission": _window(now, -35, -5),
                   "judging": _window(now, -3, 11)},
        "voting": {"method": "none", "pow_bits": 0},
        "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
            {"key": "impact", "label": "Impact", "weight": 0.4, "min": 0.0, "max": 10.0},
            {"key": "feasibility", "label": "Feasibility", "weight": 0.3, "min": 0.0, "max": 10.0},
            {"key": "innovation", "label": "Innovation", "weight": 0.2, "min": 0.0, "max": 10.0},
            {"key": "presentation", "label": "Presentation", "weight": 0.1, "min": 0.0, "max": 10.0},
        ]},
        "awards": {"policy": "jury", "winners_per_category": 1},
    }
    entries = [DemoEntry({"category": slug, "title": title, "team": team, "organisation": org,
                          "country": country, "summary": summary})
               for slug, _, _ in CHALLENGE_AREAS
               for title, team, org, country, summary in HACKATHON_TEAMS[slug]]
    return DemoContest(spec, entries)


def healthy_ageing(now: datetime) -> DemoContest:
    spec = {
        "slug": HEALTHY_AGEING_SLUG,
        "title": "WSIS Healthy Ageing Innovation Prize",
        "kind": "prize",
        "description": ("Twelve finalists were shortlisted for innovations that help people age in good "
                        "health; an expert jury chooses one winner."),
        "categories": [{"slug": "finalists", "title": "Finalists"}],
        "phases": {"submission": _window(now, -90, -30),
                   "judging": _window(now, -7, 21)},
        "voting": {"method": "none", "pow_bits": 0},
        "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
            {"key": "impact", "label": "Impact on healthy ageing", "weight": 0.5, "min": 0.0, "max": 10.0},
            {"key": "evidence", "label": "Evidence and results", "weight": 0.3, "min": 0.0, "max": 10.0},
            {"key": "scalability", "label": "Scalability", "weight": 0.2, "min": 0.0, "max": 10.0},
        ]},
        "awards": {"policy": "jury", "winners_per_category": 1},
    }
    entries = [DemoEntry({"category": "finalists", "title": title, "organisation": org, "country": country,
                          "summary": summary})
               for title, org, country, summary in HEALTHY_AGEING_FINALISTS]
    return DemoContest(spec, entries)


def photo_contest(now: datetime) -> DemoContest:
    spec = {
        "slug": PHOTO_SLUG,
        "title": "WSIS Photo Contest 2021",
        "kind": "photo",
        "description": ("Show how ICTs help reach the Sustainable Development Goals. Photos are open for "
                        "submission now; the public vote follows, and a jury awards three places."),
        "categories": [{"slug": "icts-for-sdgs", "title": "ICTs for the Sustainable Development Goals"}],
        "phases": {"submission": _window(now, -7, 14),
                   "voting": _window(now, 14, 35),
                   "judging": _window(now, 35, 49)},
        "voting": {"method": "single"},
        "judging": {"mode": "rubric", "judges_per_entry": 3, "criteria": [
            {"key": "message", "label": "Message and relevance to the SDGs", "weight": 0.5, "min": 0.0, "max": 10.0},
            {"key": "composition", "label": "Composition", "weight": 0.3, "min": 0.0, "max": 10.0},
            {"key": "originality", "label": "Originality", "weight": 0.2, "min": 0.0, "max": 10.0},
        ]},
        "awards": {"policy": "jury", "winners_per_category": 3},
    }
    entries = [DemoEntry({"category": "icts-for-sdgs", "title": title, "team": photographer, "country": country,
                          "summary": caption}, photo=(palette, motif, i))
               for i, (title, photographer, country, caption, palette, motif) in enumerate(PHOTOS)]
    return DemoContest(spec, entries)


def demo_contests(now: datetime) -> list[DemoContest]:
    """The four demo contests, in the order they are listed."""
    return [prizes(now), hackathon(now), healthy_ageing(now), photo_contest(now)]
