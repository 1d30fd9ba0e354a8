"""Outgoing mail. `file` writes one .eml per message (the embedded default, and
what tests read); `smtp` sends through the configured server."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = current_app.config["VOTING"].mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="voting.local")
    msg.set_content(body)
    return msg


def _deliver_file(msg: EmailMessage) -> None:
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{formatdate(usegmt=True).replace(' ', '_').replace(',', '').replace(':', '')}-{uuid.uuid4().hex[:12]}.eml"
    (folder / name).write_bytes(bytes(msg))


def _deliver_smtp(msg: EmailMessage) -> None:
    s = current_app.config["VOTING"]
    with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
        if s.smtp_starttls:
            smtp.starttls()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password)
        smtp.send_message(msg)


def send_template(to: str, subject: str, template: str, **context) -> bool:
    """Render templates/mail/<template>.txt and send it. A failed delivery is
    logged, not raised: the account change it reports has already been committed
    and the user can ask for the mail again."""
    body = render_template(f"mail/{template}.txt", **context)
    subject = " ".join(subject.split())  # a header holds one line, whatever text went into it
    msg = build_message(to, subject, body)
    try:
        if current_app.config["VOTING"].mail_backend == "smtp":
            _deliver_smtp(msg)
        else:
            _deliver_file(msg)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("could not deliver %r to %s", subject, to)
        return False
