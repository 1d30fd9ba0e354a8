"""The SPEC's problems in the form's words. The SPEC's validation (the API's)
names other fields by their SPEC paths ("must be after opens_at", "repeats the
slug of categories.2"); the editor shows fields by label and rows by the
number the form gives them, so the few messages that name a path are said
again here, their values turned into labels and form rows. Any other message
is the API's, translated as it is."""

from __future__ import annotations

from typing import Mapping

from flask_babel import gettext as _

from voting.errors import ApiError, say
from voting.i18n.domain import Message
from voting.organiser.editor import labels


def _row(root: str, index: object, rows: Mapping[str, list[int]]) -> int:
    """The form's number (from 1) of the patch's row `index` of the list `root`."""
    shown = rows.get(root)
    position = int(index) if isinstance(index, int) else 0
    return (shown[position] if shown and position < len(shown) else position) + 1


def _policy(value: object) -> str:
    return str(dict(labels.CHOICES["awards.policy"]).get(str(value), value))


def reword(why: str, rows: Mapping[str, list[int]]) -> str:
    """A problem of the SPEC's as the editor says it (translated)."""
    values = why.values if isinstance(why, Message) else {}
    key = why.msgid if isinstance(why, Message) else str(why)
    if key == "must be after opens_at":
        return _("must be after “%(field)s”", field=labels.FIELDS["opens_at"][0])
    if key == "must not be before phases.%(phase)s.closes_at":
        return _("must not be before “%(phase)s” closes", phase=labels.PHASES.get(str(values.get("phase")), ""))
    if key == "repeats the slug of categories.%(index)d":
        return _("repeats the slug of %(row)s",
                 row=_("Category %(number)d", number=_row("categories", values.get("index"), rows)))
    if key == "repeats the key of judging.criteria.%(index)d":
        return _("repeats the key of %(row)s",
                 row=_("Criterion %(number)d", number=_row("judging.criteria", values.get("index"), rows)))
    if key == "must not exceed champions_per_category":
        return _("must not exceed “%(field)s”", field=labels.FIELDS["awards.champions_per_category"][0])
    if key == "must be greater than min":
        return _("must be greater than “%(field)s”", field=labels.FIELDS["judging.criteria.min"][0])
    if key == "awards.policy %(policy)s needs a public vote":
        return _("the award policy “%(policy)s” needs a public vote", policy=_policy(values.get("policy")))
    if key == "awards.policy %(policy)s needs a jury":
        return _("the award policy “%(policy)s” needs a jury", policy=_policy(values.get("policy")))
    if key == "a contest without a public vote (voting.method none) has no voting phase":
        return _("a contest without a public vote has no voting phase")
    return say(why)


def summary(err: ApiError) -> str:
    """The error summary's first line for a refused change: the SPEC's problems are the form's fields."""
    return _("Some fields have problems; nothing was saved.") if err.status == 422 and err.fields else say(
        err.message)
