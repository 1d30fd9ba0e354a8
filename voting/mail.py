"""Outgoing mail. `file` writes one .eml per message (the embedded default, and
what tests read); `smtp` sends through the configured server.

A mail speaks its recipient's language (their account's `locale`), not the
language of whoever caused it to be sent: the template (templates/mail/) says
both the body and the subject, and is rendered under that locale."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from voting.i18n.domain import LANGUAGES, SOURCE, html_lang, parse

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, body: str, language: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["VOTING"].mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="voting.local")
    message.set_content(body)
    if language:  # after set_content, which drops every Content-* header
        message["Content-Language"] = language  # RFC 3282: mail readers choose fonts and speech by it
    return message


def _deliver_file(message: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{formatdate(usegmt=True).replace(' ', '_').replace(',', '').replace(':', '')}-{uuid.uuid4().hex[:12]}.eml"
    (folder / name).write_bytes(bytes(message))


def _deliver_smtp(message: EmailMessage) -> None:
    s = current_app.config["VOTING"]
    with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
        if s.smtp_starttls:
            smtp.starttls()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        smtp.send_message(message)


def mail_locale(locale: str | None) -> str:
    """The recipient's language if we speak it, else the default."""
    return locale if locale in LANGUAGES else parse(current_app.config["VOTING"].default_locale) or SOURCE


def render(template: str, locale: str | None, **context) -> tuple[str, str]:
    """(subject, body) of templates/mail/<template>.txt in `locale` (the default
    language when None or not one we speak). The template sets `subject`."""
    with force_locale(mail_locale(locale)):
        page = current_app.jinja_env.get_template(f"mail/{template}.txt")
        current_app.update_template_context(context)
        module = page.make_module(context)
        body, subject = str(module), str(getattr(module, "subject", ""))
    return " ".join(subject.split()), body  # a header holds one line, whatever text went into it


def send_template(to: str, template: str, locale: str | None, **context) -> bool:
    """Render templates/mail/<template>.txt in the recipient's `locale` and send
    it. A failed delivery is logged, not raised: the account change it reports
    has already been committed and the user can ask for the mail again."""
    subject, body = render(template, locale, **context)
    message = build_message(to, subject, body, html_lang(mail_locale(locale)))
    try:
        if current_app.config["VOTING"].mail_backend == "smtp":
            _deliver_smtp(message)
        else:
            _deliver_file(message)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("could not deliver %r to %s", subject, to)
        return False
