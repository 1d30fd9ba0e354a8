"""The organiser dashboard's form: a contest SPEC pasted as JSON or uploaded as a file."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField


class ContestForm(FlaskForm):
    spec = TextAreaField(_l("Contest SPEC (JSON)"),
                         description=_l("Paste the SPEC here, or choose a file below."),
                         render_kw={"rows": 12, "spellcheck": "false", "autocapitalize": "off"})
    spec_file = FileField(_l("SPEC file"), description=_l("A .json file; it is used instead of the text above."),
                          render_kw={"accept": ".json,application/json"})


def read_spec(form: ContestForm) -> tuple[Any, str | None]:
    """(the decoded SPEC, None) or (None, why it cannot be read)."""
    upload = form.spec_file.data
    if upload and upload.filename:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, _("The file is not UTF-8 text.")
    else:
        text = form.spec.data or ""
    if not text.strip():
        return None, _("Paste a SPEC or choose a file.")
    if not (form.spec.data or "").strip():
        form.spec.data = text  # show the uploaded SPEC so it can be corrected in place
    try:
        return json.loads(text), None
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            return None, _("This is not valid JSON: %(why)s (line %(line)d, column %(column)d).",
                           why=exc.msg, line=exc.lineno, column=exc.colno)
        return None, _("This is not valid JSON.")
