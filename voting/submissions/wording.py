"""What the pages say about entries: statuses and eligibility checks, in the
reader's language. Display only; the checks themselves are the domain's."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voting.submissions.domain.eligibility import Check

STATUSES = {"draft": _l("Draft"), "pending": _l("Waiting for moderation"),
            "changes_requested": _l("Changes requested"), "approved": _l("Approved"),
            "rejected": _l("Not accepted"), "withdrawn": _l("Withdrawn")}
FIELD_NAMES = {"title": _l("title"), "summary": _l("summary"), "team": _l("team"),
               "organisation": _l("organisation"), "country": _l("country"), "links": _l("links")}
MARKS = {True: ("ok", _l("Met")), False: ("problem", _l("Not met")), None: ("unknown", _l("Cannot tell yet"))}


def status_label(status: str) -> str:
    return str(STATUSES.get(status, status))


def describe(check: Check) -> str:
    d = check.details
    if check.key == "within_phase":
        if check.ok is None:
            return _("The contest has no submission phase.")
        if "submitted_at" not in d:
            return _("Not submitted yet; the submission phase is open.") if check.ok else \
                _("Not submitted, and the submission phase is not open.")
        return _("Submitted during the submission phase.") if check.ok else \
            _("Submitted outside the submission phase.")
    if check.key == "required_fields":
        if check.ok:
            return _("Every required field is filled in.")
        return _("Missing: %(fields)s.", fields=", ".join(str(FIELD_NAMES.get(f, f)) for f in d["missing"]))
    if check.key == "summary_words":
        if d.get("max_words") is None:
            return ngettext("The summary has %(num)d word.", "The summary has %(num)d words.", d["words"])
        return ngettext("The summary has %(num)d word of at most %(max)d.",
                        "The summary has %(num)d words of at most %(max)d.", d["words"], max=d["max_words"])
    if check.key == "photo_resolution":
        if check.ok is None:
            return _("The photo's size is not known yet.")
        return _("The photo is %(width)d × %(height)d pixels (%(mp)s megapixels); at least %(min)d are needed.",
                 width=d["width"], height=d["height"], mp=d["megapixels"], min=d["min_megapixels"])
    return check.message


def describe_checks(found: list[Check]) -> list[dict]:
    return [{"state": MARKS[c.ok][0], "mark": str(MARKS[c.ok][1]), "text": describe(c)} for c in found]
