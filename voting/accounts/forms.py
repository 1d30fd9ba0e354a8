"""The account pages' forms. They carry the CSRF token and the labels; the rules
about addresses and passwords live in the services, so the pages and the API
accept exactly the same input."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_babel import lazy_ngettext
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from voting.accounts.domain import PASSWORD_MIN
from voting.errors import say
from voting.i18n.domain import LANGUAGES, html_lang

PASSWORD_HINT = lazy_ngettext("At least %(num)d character.", "At least %(num)d characters.", PASSWORD_MIN)


class RegisterForm(FlaskForm):
    email = EmailField(_l("Email address"), render_kw={"autocomplete": "email", "spellcheck": "false"})
    password = PasswordField(_l("Password"), description=PASSWORD_HINT,
                             render_kw={"autocomplete": "new-password"})
    display_name = StringField(_l("Display name"), render_kw={"autocomplete": "name"})
    # validate_choice=False: the service checks the code and reports it by field.
    country = SelectField(_l("Country (optional)"), choices=[], validate_choice=False,
                          render_kw={"autocomplete": "country"})
    # The proof of work once many accounts were registered from this address in
    # the hour (accounts/registration.py), filled in by voting/static/pow.js.
    pow_token = HiddenField()
    pow_nonce = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), render_kw={"autocomplete": "username", "spellcheck": "false"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email address"), render_kw={"autocomplete": "email", "spellcheck": "false"})


class ResetForm(FlaskForm):
    token = HiddenField()
    password = PasswordField(_l("New password"), description=PASSWORD_HINT,
                             render_kw={"autocomplete": "new-password"})


class AccountForm(FlaskForm):
    # Each language named in itself, marked with its language for screen readers.
    locale = SelectField(_l("Language"), description=_l("The pages and the mails we send you use it."),
                         choices=[SelectChoice(code, name, {"lang": html_lang(code)})
                                  for code, name in LANGUAGES.items()],
                         validate_choice=False)


def sentence(text: str) -> str:
    """Service messages are fragments ("must be at least 10 characters") meant to
    follow a field name; under a labelled field they read as sentences, in the
    reader's language."""
    text = say(text).strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text[-1] in ".!?" else ".")


def show_error(form: FlaskForm, fields: dict[str, str] | None) -> list[dict[str, str]]:
    """Put each field's message next to that field; answer the error summary in
    the form's order, linking to each field, then any problem the form has no
    visible field for."""
    fields = dict(fields or {})
    summary = []
    for name, field in form._fields.items():
        if name not in fields or isinstance(field, HiddenField):
            continue
        problem = sentence(fields.pop(name))
        field.errors = [*field.errors, problem]
        summary.append({"text": _("%(field)s: %(problem)s", field=field.label.text, problem=problem),
                        "href": f"#{field.id}"})
    return summary + [{"text": sentence(problem), "href": ""} for problem in fields.values()]
