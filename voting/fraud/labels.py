"""The fraud rules' and intake checks' names and meanings, as people read
them: the organisers' review and report pages, and the published results'
invalidation report, show the same words. Display text only."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# Per rule or intake check: a short name and what it means, so an organiser
# can judge a cluster without reading the rule's code (docs/fraud.md has more).
RULES = {
    "burst": (_l("Burst"), _l("Far more ballots for one entry in a short window than its usual rate "
                              "predicts, from few networks.")),
    "shared_prefix": (_l("Shared network"), _l("Many different accounts on one network (a /24 or /64) chose "
                                               "the same entry within a short time.")),
    "shared_device": (_l("Shared device"), _l("Many different accounts voted from one browser (its device "
                                              "cookie) within a short time.")),
    "shared_user_agent": (_l("Shared browser signature"), _l("Many different voters with the same uncommon "
                                                             "browser signature (user agent) within a short time.")),
    "new_account_domain": (_l("New accounts on one mail domain"), _l("A batch of accounts created close "
                                                                     "together on one private mail domain, and "
                                                                     "all of them voted.")),
    "instant_single_vote": (_l("Instant voters"), _l("Accounts that voted seconds after they were created, then went "
                                                     "quiet (ballots for other entries do not hide them).")),
    "scripted_cadence": (_l("Scripted timing"), _l("Ballots from one network, device or entry arriving at "
                                                   "machine-regular intervals.")),
    "pageless": (_l("Without the ballot page"), _l("Many voters for one entry whose ballots no ballot page vouched "
                                                   "for, whose page's script never ran, or whose client says it is "
                                                   "automated: more than the contest's usual rate explains.")),
    "uniform_clients": (_l("Clients too alike"), _l("A crowd whose clients are far more alike than people: a few "
                                                    "browser builds bringing voters for hours, page times bunched "
                                                    "around one value, or accounts made on a regular beat.")),
    "sleeper_accounts": (_l("Accounts woken together"), _l("A batch of accounts made together long ago that never "
                                                           "voted, then voted for one entry within a day.")),
    "dormant_wake": (_l("Dormant accounts waking"), _l("Accounts made days to weeks before they first voted, waking "
                                                       "up within hours of each other and making up most of one "
                                                       "entry's voters.")),
    "country": (_l("Country outside the contest"), _l("Voters whose registered country is not one of the "
                                                      "contest's countries.")),
    "honeypot": (_l("Honeypot filled"), _l("The ballot form's hidden field, which people never see, was "
                                           "filled in: the mark of a bot.")),
    "too_fast": (_l("Sent too fast"), _l("The ballot came back sooner after its page was shown than a person "
                                         "could read and choose.")),
    # The invalidation report's name for ballots no rule or check held.
    "review": (_l("Organiser decision"), _l("Decided in review, without a rule or check behind it.")),
}


def rule(name: str | None) -> dict[str, str]:
    label, explanation = RULES.get(name or "review", (name, ""))
    return {"name": name or "", "label": str(label), "explanation": str(explanation)}


def by_reason(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The report's counts by reason, largest first, each with its rule's name."""
    return [{**rule(name), "count": n} for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
