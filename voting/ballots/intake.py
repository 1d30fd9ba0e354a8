"""Casting a ballot: the intake path, one small step per function, in order.

1. phase open, voter signed in and verified (from the session once known,
   else from SQL);
2. the proof of work, checked here (it is spent in step 4);
3. the selection, from the contest's view in memory, before anything is
   spent (a ballot whose proof failed is refused for that in step 4, counted);
4. in one Redis round trip: rate limits, the proof's current difficulty and
   single use, the dedupe pre-check, the single use of the page's render-time
   token;
5. honeypot and timing flags (a tripped check holds the ballot for review),
   and what the client was (a page of ours, its script: flags that never
   hold), with the time from the page's render;
6. the ballot committed in SQL in its own transaction, only while the
   session's account and version are current; the unique constraint on
   (contest, category, voter) has the final word;
7. only then the live counters, in a second round trip shared by the
   ballots this process committed in the last few milliseconds.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import redis

from voting.auth import SessionUser, login_required_error
from voting.ballots import live, store
from voting.ballots.domain import receipts, screening, selection
from voting.guards.domain import pow
from voting.ballots.backends import Backends
from voting.ballots.challenges import RenderToken
from voting.ballots.contest_view import ContestView
from voting.contests.domain import phases
from voting.errors import ApiError
from voting.i18n.domain import N_

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Client:
    ip: str
    prefix: str
    user_agent_hash: str
    device_id: str
    automated: bool = False  # its user agent declares automation (wire.AUTOMATION)


@dataclass(frozen=True)
class BallotInput:
    category: str
    selection: object
    pow_token: str | None
    pow_nonce: str | None
    honeypot: str | None
    rendered: RenderToken | None  # the page's render-time token, when this server signed it
    script: screening.ScriptSeen | None = None  # what the page's script sent, if it ran


@dataclass(frozen=True)
class Cast:
    ballot_id: int
    status: str
    receipt: str
    voter_verified: bool  # the voter is known verified: the session may remember it


def check_phase(contest: ContestView, now: datetime) -> None:
    if contest.voting["method"] == "none":
        raise ApiError("phase_closed", "This contest has no public vote.", 409)
    if not phases.is_open(contest.windows, "voting", now):
        raise ApiError("phase_closed", "Voting is not open for this contest.", 409)


def check_voter(contest: ContestView, conn: store.IntakeConnection, voter: SessionUser) -> bool:
    """Answers whether the voter is known verified. The session's version is
    checked again by the INSERT itself."""
    if voter.verified or not contest.voting["require_verified_email"]:
        return voter.verified
    row = conn.voter(voter.id)
    if row is None or row[0] != voter.version:  # gone, or signed out everywhere since
        raise login_required_error()
    if not row[1]:
        raise ApiError("email_unverified", "Confirm your address before voting.", 403)
    return True


def find_category(contest: ContestView, slug: str) -> int:
    category_id = contest.categories.get(slug)
    if category_id is None:
        raise ApiError("invalid_selection", "No such category in this contest.", 422,
                       {"category": N_("is not a category of this contest")})
    return category_id


def check_proof(backends: Backends, contest: ContestView, ballot: BallotInput, now: datetime) -> str:
    """ok, bad or none (the contest asks for no proof). A token below the
    base difficulty is bad here; the gate compares it with the current one."""
    base = contest.voting["pow_bits"]
    if base == 0:
        return "none"
    why = pow.problem(backends.pow_key, contest.id, ballot.pow_token, ballot.pow_nonce, now, base)
    return "bad" if why else "ok"


def check_selection(contest: ContestView, category_id: int, raw: object) -> list[int] | dict[str, int]:
    """Before the gate spends the proof and counts the limits: a mistaken ballot costs the voter neither."""
    settings = contest.voting
    rules = selection.Rules(settings["method"], settings["max_choices"], settings["score_max"])
    try:
        return selection.check(rules, raw, contest.eligible[category_id])
    except selection.SelectionError as exc:
        why = exc.args[0]  # a Message: said in the voter's language when the answer is made
        raise ApiError("invalid_selection", why, 422, {"selection": why}) from None


def usable_render_token(rendered: RenderToken, now: datetime) -> RenderToken | None:
    """The page's render-time token while it may still vouch for a ballot."""
    return rendered if now < rendered.expires_at() else None


def pass_gate(backends: Backends, contest: ContestView, category_id: int, voter: SessionUser, client: Client,
              ballot: BallotInput, pow_state: str, rendered: RenderToken | None, now: datetime) -> tuple[bool, bool]:
    """Raises the intake's refusals; else answers whether Redis took part and
    whether it marked the usable render token `rendered` used now (when
    Redis could not tell, the token is taken as it is, as the proof is)."""
    subjects = {"ip": client.ip, "prefix": client.prefix, "account": str(voter.id), "device": client.device_id}
    bits, ttl_ms = 0, 1000
    if pow_state == "ok":
        bits, expires = pow.bits_and_expiry(ballot.pow_token)
        ttl_ms = (expires - int(now.timestamp()) + 5) * 1000
    render_ttl_ms = int((rendered.expires_at() - now).total_seconds() * 1000) + 5000 if rendered else 0
    voting = contest.voting
    try:
        result = live.gate(backends.scripts.gate, contest.id, category_id, voter.id, subjects, contest.limits,
                           pow_state, ballot.pow_token, ttl_ms, int(now.timestamp() * 1000), bits,
                           (voting["pow_bits"], voting["pow_spike_per_minute"]),
                           rendered.id if rendered else None, render_ttl_ms, contest.harder_above)
    except redis.RedisError:
        log.warning("intake without Redis for contest %s", contest.id, exc_info=True)
        if backends.settings.intake_without_redis == "reject":
            raise ApiError("service_unavailable", "Voting is briefly unavailable. Try again shortly.", 503,
                           retry_after=10) from None
        if pow_state == "bad":
            raise challenge_failed() from None
        return False, True  # as with the proof's single use: unchecked, and flagged redis_unavailable
    if result.outcome == "rate_limited":
        raise ApiError("rate_limited", "Too many ballots from here. Try again later.", 429,
                       retry_after=result.retry_after)
    if result.outcome == "challenge_too_easy":
        raise ChallengeTooEasy()
    if result.outcome in {"challenge_failed", "challenge_reused"}:
        raise challenge_failed()
    if result.outcome == "already_voted":
        raise already_voted()
    return True, result.render_fresh


def challenge_failed() -> ApiError:
    return ApiError("challenge_failed", "The proof of work is missing, wrong, expired or already used. "
                    "Ask for a new challenge.", 400)


class ChallengeTooEasy(ApiError):
    """A good proof of a challenge issued before the contest's intake spiked:
    its difficulty is below the current one. A new challenge will do (the
    ballot page asks for one and sends the ballot again by itself, once)."""

    def __init__(self) -> None:
        super().__init__("challenge_failed", "The challenge is easier than this contest now asks, because many "
                         "ballots are arriving. Ask for a new challenge.", 400,
                         {"pow.token": N_("is easier than the contest's current difficulty")})


def already_voted() -> ApiError:
    return ApiError("already_voted", "You have already voted in this category.", 409)


def commit_ballot(conn: store.IntakeConnection, contest: ContestView, category_id: int, voter: SessionUser,
                  client: Client, chosen, flags: list[str], page_ms: int | None, now: datetime,
                  verified: bool) -> Cast:
    code, code_hash = receipts.issue(secrets.token_bytes(15))
    status = screening.status_for(flags)
    reason = screening.holding_reason(flags)
    row = dict(contest_id=contest.id, category_id=category_id, voter_id=voter.id,
               receipt_hash=code_hash, method=contest.voting["method"], selection=chosen,
               status=status, flags=flags, client_ip=client.ip, ip_prefix=client.prefix,
               user_agent_hash=client.user_agent_hash, device_id=client.device_id, cast_at=now,
               status_reason=reason, page_ms=page_ms)
    try:
        ballot_id = conn.insert_ballot(row, voter.version)
    except store.Duplicate:
        raise already_voted() from None
    if ballot_id is None:  # the account is gone, or signed out everywhere since
        raise login_required_error()
    return Cast(ballot_id, status, code, verified)


def update_counters(backends: Backends, contest: ContestView, category_id: int, voter: SessionUser,
                    cast_result: Cast, chosen) -> None:
    """After the commit, and without waiting for Redis: the feed batches the
    update. A failure here loses nothing: the scheduled rebuild recounts from SQL."""
    try:
        live.apply_soon(backends.scripts.apply, backends.settings.counter_flush_ms, contest.id, category_id,
                        voter.id, cast_result.ballot_id, cast_result.status == "counted",
                        selection.increments(contest.voting["method"], chosen))
    except redis.RedisError:
        log.warning("counters of contest %s behind after ballot %s", contest.id, cast_result.ballot_id,
                    exc_info=True)


def screen(backends: Backends, contest: ContestView, client: Client, ballot: BallotInput, pow_state: str,
           rendered: RenderToken | None, redis_ok: bool, render_fresh: bool,
           now: datetime) -> tuple[list[str], int | None]:
    """The flags, and the milliseconds since the page's render when its token
    is good (signed, unexpired, first use). The timing check measures from that
    render time, else from the challenge's issue time, as for any API client:
    a kept or reused token is worth no more than none (`no_page`)."""
    note = None
    if ballot.rendered is not None and rendered is None:
        note = "render_expired"
    elif rendered is not None and not render_fresh:
        rendered, note = None, "render_reused"
    if rendered is None:
        since, page_ms = _challenge_issued_at(backends, ballot, pow_state), None
    else:
        since, page_ms = rendered.rendered_at, screening.page_ms(rendered.rendered_at, now)
    return screening.flags_for(ballot.honeypot, since, now, contest.voting["min_render_seconds"],
                               bool(client.device_id), redis_ok, note, page=rendered is not None,
                               script=ballot.script, automated=client.automated), page_ms


def cast(backends: Backends, contest: ContestView, voter: SessionUser, client: Client, ballot: BallotInput,
         now: datetime) -> Cast:
    check_phase(contest, now)
    with store.connection(backends.engine, backends.statements) as conn:
        verified = check_voter(contest, conn, voter)
        category_id = find_category(contest, ballot.category)
        pow_state = check_proof(backends, contest, ballot, now)
        # A failed proof is refused by the gate, which counts the attempt first, whatever the selection.
        chosen = check_selection(contest, category_id, ballot.selection) if pow_state != "bad" else None
        rendered = usable_render_token(ballot.rendered, now) if ballot.rendered else None
        redis_ok, render_fresh = pass_gate(backends, contest, category_id, voter, client, ballot, pow_state,
                                           rendered, now)
        flags, page_ms = screen(backends, contest, client, ballot, pow_state, rendered, redis_ok, render_fresh, now)
        result = commit_ballot(conn, contest, category_id, voter, client, chosen, flags, page_ms, now, verified)
    update_counters(backends, contest, category_id, voter, result, chosen)
    return result


def _challenge_issued_at(backends: Backends, ballot: BallotInput, pow_state: str) -> datetime | None:
    if pow_state != "ok":
        return None
    ttl = backends.settings.challenge_ttl
    return datetime.fromtimestamp(pow.expiry_of(ballot.pow_token) - ttl, timezone.utc)
