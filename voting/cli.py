"""Command-line entry points (`flask --app voting ...`). Thin: parse, call a service."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from voting.accounts.domain import ROLES
from voting.errors import ApiError


def _fail(err: ApiError) -> None:
    click.echo(f"error: {err.message}", err=True)
    for path, why in (err.fields or {}).items():
        click.echo(f"  {path}: {why}", err=True)
    sys.exit(1)


def contest_or_exit(slug: str):
    """The contest of that slug; a command given an unknown one says so and exits 1."""
    from voting.contests.services import get_contest

    try:
        return get_contest(slug)
    except ApiError as err:
        _fail(err)


users = AppGroup("users", help="Manage accounts.")
contests = AppGroup("contests", help="Manage contests.")
accounts = AppGroup("accounts", help="Account settings and data.")
counters = AppGroup("counters", help="Live vote counters in Redis.")
audit = AppGroup("audit", help="The append-only audit log.")
fraud = AppGroup("fraud", help="Fraud sweeps.")
translations = AppGroup("translations", help="The message catalogues (docs/translations.md).")


def _listed(paths) -> None:
    for path in paths:
        click.echo(path)


@translations.command("extract")
def translations_extract():
    """Collect every marked string into voting/translations/messages.pot."""
    from voting.i18n import catalogues

    _listed([catalogues.extract()])


@translations.command("update")
def translations_update():
    """Bring each language's messages.po in step with messages.pot (new entries empty)."""
    from voting.i18n import catalogues

    _listed(catalogues.update())


@translations.command("compile")
@click.option("--force", is_flag=True, help="Compile every catalogue, not only those changed since.")
def translations_compile(force: bool):
    """Compile messages.po into the messages.mo the app reads (restart the app to load them)."""
    from voting.i18n import catalogues

    _listed(catalogues.compile_all(force))


@translations.command("init")
@click.argument("locale")
def translations_init(locale: str):
    """Start the catalogue of a new language (a Babel locale id, such as de or pt_BR)."""
    from voting.i18n import catalogues

    _listed([catalogues.init(locale)])


@audit.command("verify")
@click.argument("contest_slug")
def verify_audit(contest_slug: str):
    """Check the audit log's hash chain; exits 1 if any entry was changed, removed or added."""
    from voting.audit import services as audit_service

    contest = contest_or_exit(contest_slug)
    problems = audit_service.verify(contest)
    count = len(audit_service.entries(contest))
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"audit log of {contest.slug}: {count} entries, chain intact")


@fraud.command("sweep")
@click.argument("contest_slug")
def sweep_fraud(contest_slug: str):
    """Run every fraud rule over a contest's ballots now."""
    from voting import clock
    from voting.fraud import services as fraud_service

    contest = contest_or_exit(contest_slug)
    now = clock.now()
    summary = fraud_service.sweep(contest.id, now, final=fraud_service.voting_closed(contest, now))
    click.echo(f"{summary['clusters']} cluster(s), {summary['held']} ballot(s) newly held for review")


@counters.command("rebuild")
@click.argument("contest_slug")
def rebuild_counters(contest_slug: str):
    """Recompute a contest's live counters from SQL, repairing any drift."""
    from voting import clock
    from voting.ballots import counters as counter_service

    contest = contest_or_exit(contest_slug)
    summary = counter_service.rebuild(contest.id, clock.now())
    click.echo(f"rebuilt the counters of {contest.slug}: {summary['ballots']} counted ballot(s)")


@users.command("create")
@click.argument("email")
@click.option("--password", required=True, help="The account's password (an existing account's other sessions end).")
@click.option("--role", type=click.Choice(ROLES), default="voter", show_default=True)
@click.option("--name", "display_name", default=None, help="Display name (default: the address's local part).")
@click.option("--contest", "contest_slug", default=None,
              help="For judge (required) and organiser: the contest. An organiser without one may create contests.")
def create_user(email: str, password: str, role: str, display_name: str | None, contest_slug: str | None):
    """Create (or update) a verified account with a role."""
    from voting.accounts import services
    from voting.contests.services import get_contest
    from voting.extensions import db

    if role == "judge" and not contest_slug:
        click.echo("error: --role judge needs --contest SLUG", err=True)
        sys.exit(1)
    if contest_slug and role not in ("judge", "organiser"):
        click.echo(f"error: --contest goes with --role judge or organiser, not {role}", err=True)
        sys.exit(1)
    try:
        contest_id = get_contest(contest_slug).id if contest_slug else None
        user, created = services.ensure_user(email, password, display_name, verified=True)
        db.session.flush()
        services.grant_role(user, role, contest_id)
        if role == "judge":
            from judging.judges import ensure_judge  # the composition root may reach every layer

            ensure_judge(get_contest(contest_slug), user)
        db.session.commit()
    except ApiError as err:
        _fail(err)
    scope = f" of {contest_slug}" if contest_slug else ""
    click.echo(f"{'created' if created else 'updated'} {user.email} ({role}{scope})")


@contests.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--update", is_flag=True, help="Apply the file as a change to an existing contest of that slug.")
@click.option("--organiser", "organiser_email", default=None,
              help="The account that becomes the new contest's organiser (and the change's author in the audit log).")
def import_contest(file: Path, update: bool, organiser_email: str | None):
    """Create a contest from a SPEC in a JSON file."""
    from voting import clock
    from voting.accounts.services import find_by_email
    from voting.contests import services

    organiser = find_by_email(organiser_email) if organiser_email else None
    if organiser_email and organiser is None:
        click.echo(f"error: no account has the address {organiser_email}", err=True)
        sys.exit(1)
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        click.echo(f"error: {file} is not valid JSON: {exc}", err=True)
        sys.exit(1)
    try:
        if update:
            slug = raw.get("slug") if isinstance(raw, dict) else None
            contest = services.update_contest(services.get_contest(str(slug)), raw, organiser, clock.now())
        else:
            contest = services.create_contest(raw, organiser, clock.now())
    except ApiError as err:
        _fail(err)
    click.echo(f"{'updated' if update else 'created'} contest {contest.slug} with "
               f"{len(contest.categories)} categories")


@accounts.command("refresh-disposable")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def refresh_disposable(source):
    """Replace the stored disposable-domain list with SOURCE (a file, or - for stdin),
    one domain a line, e.g. the upstream disposable_email_blocklist.conf."""
    from voting.accounts import disposable

    try:
        count = disposable.refresh(source.read())
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"stored {count} disposable domains")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the WSIS Forum 2021 demo contests and the demo organiser (idempotent)."""
    from voting.demo import seed

    for line in seed.seed_demo():
        click.echo(line)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queue_names", multiple=True, help="Only these queues (default: all).")
@with_appcontext
def worker(burst: bool, queue_names: tuple[str, ...]):
    """Run an RQ worker with its scheduler for the app's queues."""
    from voting.worker import run_worker

    run_worker(list(queue_names) or None, burst=burst)


def register(app: Flask) -> None:
    from voting.ledger.cli import ledger
    from voting.media.cli import media

    for command in (users, contests, accounts, counters, audit, fraud, ledger, media, translations, seed_demo, worker):
        app.cli.add_command(command)
