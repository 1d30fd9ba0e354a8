"""The ballot form. Flask-WTF carries the CSRF token, the honeypot, the signed
render time and the proof-of-work fields; the choices themselves depend on the
contest's method and the category's entries, so they are read here from the
raw form into the API's selection shape. Only what the API's shape cannot
express (two entries given the same rank) is judged here: every other rule
belongs to the intake, so pages and API accept exactly the same ballots."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, StringField


class BallotForm(FlaskForm):
    # The honeypot. People never see it (CSS moves it out of sight, tabindex
    # keeps it out of the keyboard path) and its label tells screen-reader
    # users to leave it empty; a bot that fills every field gives itself away.
    website = StringField(_l("Leave this field empty"), render_kw={"tabindex": "-1", "autocomplete": "off"})
    rendered = HiddenField()
    pow_token = HiddenField()
    pow_nonce = HiddenField()
    # "1" once pow.js has sent this ballot again by itself after its challenge
    # became too easy during a spike: it does so once, then asks the voter.
    pow_retried = HiddenField()
    # What the page's script observed, as JSON ({"visible_ms": …, "input": …}),
    # written by the script as the ballot leaves: empty when it did not run.
    script = HiddenField()


class ReceiptForm(FlaskForm):
    """The receipt lookup: sent as a POST body, so that the code is in no
    URL (history, access logs, Referer headers); the CSRF token comes with it."""
    code = StringField(_l("Receipt code"))


@dataclass
class Choices:
    # entry id -> 1 when chosen, its stars or its rank: to show the form again as sent
    picked: dict[int, int] = field(default_factory=dict)
    selection: list[int] | dict[str, int] | None = None
    problems: list[dict[str, str]] = field(default_factory=list)  # {"text", "href"} for the error summary
    invalid: set[str] = field(default_factory=set)  # ids of the controls to mark aria-invalid


def control_id(method: str, entry_id: int) -> str:
    """The id of an entry's first control, where error messages link to."""
    return {"score": f"score-{entry_id}-0", "ranked": f"rank-{entry_id}"}.get(method, f"choice-{entry_id}")


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


def _invalid(choices: Choices, method: str, entry_id: int) -> None:
    choices.problems.append({"text": _("One of the choices is not valid. Choose again."),
                             "href": "#" + control_id(method, entry_id)})


def read_choices(method: str, entries: list[tuple[int, str]], data: MultiDict) -> Choices:
    """The voter's choices from the form. `entries` is (id, title) of the
    entries the page showed, in order."""
    choices = Choices()
    first = entries[0][0] if entries else 0
    if method in ("single", "approval"):
        numbers = [_number(value) for value in data.getlist("choice")]
        if None in numbers:
            _invalid(choices, method, first)
        ids = [n for n in numbers if n is not None]
        choices.picked = {entry_id: 1 for entry_id in ids}
        choices.selection = ids  # as sent: the intake judges the number and the ids
    elif method in ("score", "ranked"):
        prefix = "score" if method == "score" else "rank"
        for entry_id, _title in entries:
            raw = data.get(f"{prefix}-{entry_id}", "")
            value = _number(raw)
            if raw and (value is None or (method == "ranked" and not 1 <= value <= len(entries))):
                _invalid(choices, method, entry_id)
            elif raw:
                choices.picked[entry_id] = value
        if method == "score":
            choices.selection = {str(entry_id): stars for entry_id, stars in choices.picked.items()}
        else:
            _check_ranks(choices, dict(entries))
            choices.selection = sorted(choices.picked, key=lambda entry_id: choices.picked[entry_id])
    if not choices.picked and not choices.problems:
        choices.problems.append({"text": _("Choose an entry before you send your vote."),
                                 "href": "#" + control_id(method, first)})
    return choices


def _check_ranks(choices: Choices, titles: dict[int, str]) -> None:
    """A ranked ballot is an order: two entries at one rank have none."""
    by_rank: dict[int, list[int]] = defaultdict(list)
    for entry_id, rank in choices.picked.items():
        by_rank[rank].append(entry_id)
    for rank, ids in sorted(by_rank.items()):
        if len(ids) < 2:
            continue
        names = _(", ").join(_("“%(title)s”", title=titles[entry_id]) for entry_id in ids)
        choices.problems.append({"text": _("These entries share rank %(rank)d: %(entries)s. Give each rank to one "
                                           "entry only.", entries=names, rank=rank),
                                 "href": f"#rank-{ids[0]}"})
        choices.invalid.update(f"rank-{entry_id}" for entry_id in ids)
