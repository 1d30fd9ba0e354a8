"""The team pages' forms: labels, hints and the CSRF token. The rules (what a
good name or address is) live in the services, so pages and API agree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField

from voting.submissions.teams.domain import INVITATION_LIFETIME, NAME_MAX


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"),
                       description=_l("Up to %(count)d characters, not used by another team of this contest.",
                                      count=NAME_MAX),
                       render_kw={"autocomplete": "off"})


class InviteForm(FlaskForm):
    email = EmailField(_l("Your teammate's email address"),
                       description=_l("We mail them a link to join the team. It works once, for %(days)d days, "
                                      "and only for an account with this address.",
                                      days=INVITATION_LIFETIME.days),
                       render_kw={"autocomplete": "off", "spellcheck": "false"})


class JoinForm(FlaskForm):
    token = HiddenField()
