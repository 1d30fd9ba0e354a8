"""What the editor's forms call each SPEC field, the hints beside them, and
the words for each choice (display only; domain/formspec.py reads the forms)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SECTIONS = {"general": _l("General"), "phases": _l("Phases"), "categories": _l("Categories"),
            "voting": _l("Public vote"), "judging": _l("Judging"), "awards": _l("Awards"),
            "submissions": _l("Submissions")}

# path: (label, hint or None)
FIELDS = {
    "slug": (_l("Slug"), _l("The contest's address: lower-case letters, digits and dashes. It cannot change later.")),
    "title": (_l("Title"), None),
    "description": (_l("Description"), _l("Shown on the contest's page. A blank line starts a new paragraph.")),
    "timezone": (_l("Time zone"), _l("An IANA name such as Europe/Zurich or America/New_York. The phases' dates "
                                    "are shown and entered in it, and stored in UTC.")),
    "opens_at": (_l("Opens"), None),
    "closes_at": (_l("Closes"), None),
    "voting.method": (_l("Voting method"), _l("How a ballot chooses: one entry, several, scores or a ranking.")),
    "voting.max_choices": (_l("Most choices per ballot"), _l("For approval voting.")),
    "voting.score_max": (_l("Highest score"), _l("For score voting.")),
    "voting.ranked_method": (_l("Counting of ranked ballots"), None),
    "voting.require_verified_email": (_l("Voters must confirm their address"), None),
    "voting.pow_bits": (_l("Proof-of-work difficulty (bits)"), _l("0 to 28; each bit doubles a client's work.")),
    "voting.pow_spike_per_minute": (_l("Ballots per minute above which the work gets harder"), None),
    "voting.min_render_seconds": (_l("Seconds a ballot must follow its page (sooner is held for review)"), None),
    "voting.rate_limits.ip": (_l("Ballots per IP address"), _l("A number and a period, such as 10000/hour.")),
    "voting.rate_limits.prefix": (_l("Ballots per network prefix"), None),
    "voting.rate_limits.account": (_l("Ballots per account"), None),
    "voting.rate_limits.device": (_l("Ballots per device"), None),
    "voting.rate_limits.ip_harder_above": (_l("Ballots per IP address above which the work gets harder"), None),
    "voting.rate_limits.prefix_harder_above": (_l("Ballots per network prefix above which the work gets harder"), None),
    "judging.mode": (_l("Judging mode"), None),
    "judging.judges_per_entry": (_l("Judges per entry"), None),
    "judging.normalization": (_l("Normalisation of judges' scores"), None),
    "awards.policy": (_l("Award policy"), None),
    "awards.champions_per_category": (_l("Champions per category"), _l("Picked by the public vote.")),
    "awards.winners_per_category": (_l("Winners per category"), None),
    "awards.public_weight": (_l("Weight of the public vote"), _l("For a hybrid policy: 0 to 1.")),
    "submissions.max_per_person": (_l("Entries per person"), _l("Leave empty for no limit.")),
    "submissions.summary_max_words": (_l("Most words in a summary"),
                                      _l("Leave empty for the kind's default (a prize's is 200; others have none).")),
    "submissions.max_bytes": (_l("Largest photo file (bytes)"), None),
    "submissions.max_megapixels": (_l("Largest photo (megapixels)"), None),
    "submissions.min_megapixels": (_l("Smallest eligible photo (megapixels)"), None),
    "submissions.rate_limit": (_l("Entries per account and period"), _l("Such as 20/hour.")),
    # Columns of the lists' rows.
    "categories.slug": (_l("Slug"), None),
    "categories.title": (_l("Title"), None),
    "categories.description": (_l("Description"), None),
    "categories.position": (_l("Position"), _l("Rows are saved in the order of these numbers.")),
    "judging.criteria.key": (_l("Key"), _l("Lower-case letters, digits and underscores.")),
    "judging.criteria.label": (_l("Label"), None),
    "judging.criteria.weight": (_l("Weight"), None),
    "judging.criteria.min": (_l("Lowest score"), None),
    "judging.criteria.max": (_l("Highest score"), None),
    "judging.criteria.guidance": (_l("Guidance for judges"), None),
}

CHOICES = {
    "voting.method": [("single", _l("One entry per category")), ("approval", _l("Approval: several entries")),
                      ("score", _l("Scores")), ("ranked", _l("Ranking")), ("none", _l("No public vote"))],
    "voting.ranked_method": [("irv", _l("Instant runoff")), ("schulze", _l("Schulze")), ("borda", _l("Borda count"))],
    "voting.require_verified_email": [("yes", _l("Yes")), ("no", _l("No"))],
    "judging.mode": [("rubric", _l("Rubric: scores on criteria")), ("pairwise", _l("Pairwise comparisons")),
                     ("none", _l("No jury"))],
    "judging.normalization": [("zscore", _l("Z-score per judge")), ("none", _l("None"))],
    "awards.policy": [("jury_among_champions", _l("Public vote picks champions, then the jury picks winners")),
                      ("public", _l("Public vote only")), ("jury", _l("Jury only")),
                      ("hybrid", _l("Public vote and jury combined"))],
    "awards.tie_break": [("", _l("(none)")), ("jury_score", _l("Jury score")), ("public_votes", _l("Public votes")),
                         ("earliest_submission", _l("Earliest submission")), ("draw", _l("Draw (repeatable)"))],
}

PHASES = {"submission": _l("Entries"), "voting": _l("Public vote"), "judging": _l("Judging")}
