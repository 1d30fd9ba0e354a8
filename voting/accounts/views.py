"""Account pages: register, verify, sign in and out, forgotten password.

Thin: each handler reads a form, calls one service and renders. The services'
ApiError becomes messages next to the fields, with the service's HTTP status.
The forms are not validated here: CSRFProtect has checked the token before
the view runs, and the services own the rules, so pages and API agree.
GET and POST are separate handlers so the rate limits count only submissions.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from voting import clock
from voting.accounts import countries, registration, services
from voting.accounts.forms import AccountForm, ForgotForm, LoginForm, RegisterForm, ResetForm, sentence, show_error
from voting.accounts.limits import mail_ip, register_ip, with_login_limits
from voting.auth import login_required, note_verified, require_user, sign_in, sign_out
from voting.errors import ApiError, say
from voting.i18n import choice
from voting.netutil import client_subject

bp = Blueprint("accounts_pages", __name__)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in, or None. Anything that a
    browser could read as another site (//host, /\\host, a scheme) is refused."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 33 or ord(c) == 127 for c in target):
        return None  # browsers drop tabs and newlines, which could turn /\t/host into //host
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@lru_cache(maxsize=16)
def _country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    named = sorted(((countries.name(code, locale), code) for code in countries.codes()),
                   key=lambda pair: pair[0].casefold())
    return tuple((code, name) for name, code in named)


def country_choices() -> list[tuple[str, str]]:
    return [("", _("Not given")), *_country_choices(str(get_locale() or "en"))]


# The proof of work failed: most often a browser without JavaScript, once the
# address had registered many accounts in the hour (accounts/registration.py).
PROOF_NEEDED = _l("Many accounts were created from your network in the last hour, so your browser has to do a few "
                  "seconds of arithmetic before it sends the form. Check that JavaScript is turned on, then send "
                  "the form again.")


def _register_page(form: RegisterForm, err: ApiError | None = None):
    form.country.choices = country_choices()
    form.pow_token.data = form.pow_nonce.data = ""  # a proof is used once, checked or not
    proof_failed = err is not None and err.code == "challenge_failed"
    summary = show_error(form, err.fields) if err and not proof_failed else []
    message = str(PROOF_NEEDED) if proof_failed else (say(err.message) if err else "")
    return render_template("accounts/register.html", form=form, summary=summary, message=message,
                           pow_bits=current_app.config["VOTING"].register_pow_bits,
                           pow_needed=registration.required_bits(client_subject(), clock.now()) > 0), \
        err.status if err else 200


@bp.get("/register")
def register():
    return _register_page(RegisterForm())


@bp.post("/register")
@register_ip
def register_submit():
    form = RegisterForm()
    try:
        user = registration.register(client_subject(), form.pow_token.data or None, form.pow_nonce.data or None,
                                     clock.now(), (form.email.data or "").strip(), form.password.data or "",
                                     form.display_name.data or "", form.country.data or None, str(get_locale()))
    except ApiError as err:
        return _register_page(form, err)
    flash(_("We have sent a link to %(email)s. Open it to confirm your address.", email=user.email), "success")
    return redirect(url_for(".login"), 303)


@bp.get("/verify")
def verify():
    try:
        note_verified(services.verify(request.args.get("token", "")))
    except ApiError as err:
        reason = sentence((err.fields or {}).get("token", ""))
        return render_template("accounts/verify.html", verified=False, message=say(err.message), reason=reason,
                               resend_url=url_for(".resend")), err.status
    return render_template("accounts/verify.html", verified=True, signed_in=current_user.is_authenticated)


@bp.get("/verify/resend")
@login_required
def resend():
    user = require_user()
    return render_template("accounts/resend.html", email=user.email, verified=user.verified)


@bp.post("/verify/resend")
@login_required
@mail_ip
def resend_submit():
    user = require_user()
    if user.verified:
        flash(_("Your address is already confirmed."), "success")
    else:
        services.send_verification(user)
        flash(_("We have sent a link to %(email)s. Open it to confirm your address.", email=user.email), "success")
    return redirect(url_for("contest_pages.home"), 303)


def _login_page(form: LoginForm, message: str = "", status: int = 200):
    action = url_for(".login", next=safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form, action=action, message=message), status


@bp.get("/login")
def login():
    return _login_page(LoginForm())


@bp.post("/login")
@with_login_limits  # the API's limits; they count only 401 answers
def login_submit():
    form = LoginForm()
    try:
        user = services.authenticate((form.email.data or "").strip(), form.password.data or "")
    except ApiError as err:
        return _login_page(form, say(err.message), err.status)
    sign_in(user)
    return redirect(safe_next(request.args.get("next")) or url_for("contest_pages.home"), 303)


@bp.post("/logout")
def logout():
    sign_out()
    flash(_("You are signed out."), "success")
    return redirect(url_for("contest_pages.home"), 303)


@bp.get("/forgot")
def forgot():
    return render_template("accounts/forgot.html", form=ForgotForm(), sent=False)


@bp.post("/forgot")
@mail_ip
def forgot_submit():
    form = ForgotForm()
    services.request_password_reset((form.email.data or "").strip())
    # The same answer whether or not the account exists: the page must not
    # tell a stranger which addresses are registered.
    return render_template("accounts/forgot.html", form=form, sent=True)


def _bad_link(message: str, reason: str, status: int):
    return render_template("accounts/bad_link.html", message=message, reason=sentence(reason)), status


def _reset_page(form: ResetForm, account: tuple[str, bool] | None, summary: list | None = None, message: str = "",
                status: int = 200):
    """The page a password link opens (`account`: the link's address and
    whether it has no password yet). For an account that has no password yet
    (made by an invitation) it welcomes: "Choose your password"; for a real
    reset it says so. Either way it names the account's address, so that
    whoever opens a link someone forwarded sees whose password they would set."""
    email, welcome = account or (None, False)
    if welcome:
        form.password.label.text = _("Password")
    return render_template("accounts/reset.html", form=form, summary=summary or [], message=message,
                           welcome=welcome, email=email), status


@bp.get("/reset")
def reset():
    token = request.args.get("token", "")
    if not token:
        return _bad_link(_("The reset link is not valid."), _("The link is incomplete."), 400)
    return _reset_page(ResetForm(token=token), services.password_link_account(token))


def _after_first_password(user) -> str:
    """Where an invitee goes once signed in: the console of the contests they
    organise, else their judging list, else the home page."""
    if user.is_organiser:
        return url_for("organiser_pages.dashboard")
    if any(r.role == "judge" for r in user.roles):
        return url_for("judging.my_list")
    return url_for("contest_pages.home")


@bp.post("/reset")
def reset_submit():
    form = ResetForm()
    try:
        user, first = services.choose_password(form.token.data or "", form.password.data or "")
    except ApiError as err:
        if err.fields and "token" in err.fields:
            return _bad_link(say(err.message), err.fields["token"], err.status)
        account = services.password_link_account(form.token.data or "")  # the same wording again
        return _reset_page(form, account, show_error(form, err.fields), say(err.message), err.status)
    if first:
        # An invitee's first password: the link was used once (the password bumps the session version) and
        # proved the mailbox (the account is verified), so they are signed in as a sign-in would, with a fresh
        # session, rather than asked to sign in a second time.
        sign_in(user)
        flash(_("Your password is saved, and you are signed in as %(email)s.", email=user.email), "success")
        return redirect(_after_first_password(user), 303)
    flash(_("Your password has been changed. Sign in with your new password."), "success")
    return redirect(url_for(".login"), 303)


def _account_page(form: AccountForm, summary: list | None = None, message: str = "", status: int = 200):
    user = require_user()
    form.locale.data = form.locale.data or user.locale or str(get_locale())
    return render_template("accounts/account.html", form=form, user=user, summary=summary or [],
                           message=message), status


@bp.get("/account")
@login_required
def account():
    return _account_page(AccountForm())


@bp.post("/account")
@login_required
def account_submit():
    form = AccountForm()
    try:
        services.set_locale(require_user(), form.locale.data)
    except ApiError as err:
        return _account_page(form, show_error(form, err.fields), say(err.message), err.status)
    locale = require_user().locale
    # The new language from the next page on: the cookie of an earlier ?lang= would outrank the account's.
    with force_locale(locale):
        flash(_("Your language is saved."), "success")
    response = redirect(url_for(".account"), 303)
    choice.remember(locale, response)
    return response
