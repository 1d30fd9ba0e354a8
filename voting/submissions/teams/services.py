"""Team use cases: create, invite, join, leave, read; and the check an entry
of a team passes (`check_entry_team`, called by the submission service).

The rules, and why:
- only hackathons have teams, and teams change only while the submission
  phase is open: the team that submitted an entry is the team the jury sees
  (membership feeds judging's conflicts of interest), so it is frozen with
  the entries;
- a participant is in at most one team per contest (the database keeps it);
- the account acting must be verified: invitations mail strangers;
- an invitation is a link for one address, used once, for a week; joining
  takes a signed-in account with that address, verified;
- the last member to leave dissolves the team; its entries stay (with their
  submitter) and lose only their team.
Each change takes the contest's lock first, so changes of one contest's teams
run one after another and each decides on what the previous one committed
(two last members leaving at once still dissolve the team); then it is
audited, committed, and only then is mail sent.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Callable, Iterator

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from voting.accounts.domain import normalise_email
from voting.accounts.models import User
from voting.accounts.services import check_address, find_by_email
from voting.audit import services as audit
from voting.contests.entries import MAX_ID
from voting.contests.models import Contest, Entry
from voting.contests.services import get_visible_contest, phase_of
from voting.errors import ApiError, forbidden, not_found, validation_error
from voting.extensions import db
from voting.i18n.domain import N_
from voting.mail import send_template
from voting.submissions.teams import domain
from voting.submissions.teams.models import Team, TeamInvitation, TeamMember


# Reading.

def contest_with_teams(slug: str, user: User | None, now: datetime) -> Contest:
    """The contest as the public reads it (a draft is 404), if it has teams."""
    contest = get_visible_contest(slug, user, now)
    if contest.kind != "hackathon":
        raise ApiError("not_found", "This contest has no teams: only hackathons have them.", 404)
    return contest


def get_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id) if 0 < team_id <= MAX_ID else None
    if team is None:
        raise not_found("team")
    return team


def member_team(team_id: int, user: User) -> Team:
    """The team, for one of its members; anyone else 403."""
    team = get_team(team_id)
    if not team.has_member(user.id):
        raise forbidden("Only the team's members can do this.")
    return team


def readable_team(team_id: int, user: User) -> Team:
    """The team, for its members and its contest's organisers (they moderate
    its entries and settle disputes about it); anyone else 403."""
    team = get_team(team_id)
    if not team.has_member(user.id) and not user.manages(team.contest_id):
        raise forbidden("Only the team's members can see it.")
    return team


def team_of(contest_id: int, user_id: int) -> Team | None:
    """The user's team in the contest, if any."""
    member = db.session.scalar(select(TeamMember).where(TeamMember.contest_id == contest_id,
                                                        TeamMember.user_id == user_id))
    return member.team if member is not None else None


def my_team(slug: str, user: User, now: datetime) -> tuple[Contest, Team | None]:
    """The contest (if it has teams) and the user's team in it, if any."""
    contest = contest_with_teams(slug, user, now)
    return contest, team_of(contest.id, user.id)


def serialise(team: Team) -> dict:
    return {"id": team.id, "name": team.name,
            "members": [{"id": m.user.id, "display_name": m.user.display_name} for m in team.members]}


def changes_open(contest: Contest, now: datetime) -> bool:
    return phase_of(contest, now) == "submission"


def entry_team_members(contest_id: int) -> dict[int, frozenset[int]]:
    """For judging's conflicts: the members of each entry's team, by entry id
    (entries without a team are left out)."""
    rows = db.session.execute(select(Entry.id, TeamMember.user_id)
                              .join(TeamMember, TeamMember.team_id == Entry.team_id)
                              .where(Entry.contest_id == contest_id))
    found: dict[int, set[int]] = {}
    for entry_id, user_id in rows:
        found.setdefault(entry_id, set()).add(user_id)
    return {entry_id: frozenset(ids) for entry_id, ids in found.items()}


# The checks every change makes.

def _locked(team_id: int) -> tuple[Team, Contest]:
    """The team and its contest, read after the contest's lock is taken (a
    team dissolved while this request waited is 404)."""
    contest_id = db.session.scalar(select(Team.contest_id).where(Team.id == team_id)) if 0 < team_id <= MAX_ID \
        else None
    if contest_id is None:
        raise not_found("team")
    contest = _lock(contest_id)
    team = db.session.scalar(select(Team).where(Team.id == team_id).execution_options(populate_existing=True))
    if team is None:
        raise not_found("team")
    return team, contest


def _lock(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    contest.lock()
    return contest


def _open(contest: Contest, now: datetime) -> None:
    if not changes_open(contest, now):
        raise ApiError("phase_closed", "Teams can be formed and changed only during the submission phase.", 409)


def _verified(user: User) -> None:
    if not user.verified:
        raise ApiError("email_unverified", "Confirm your address before you form or join a team.", 403)


def _one_team() -> ApiError:
    return ApiError("limit_reached", "You are already in a team in this contest: leave it first.", 409)


def _name_taken() -> ApiError:
    return ApiError("conflict", "Another team of this contest has this name.", 409)


def _bad_token(why: str) -> ApiError:
    return validation_error({"token": why}, "The invitation link is not valid.")


# Changes.

def create_team(slug: str, user: User, name: str, now: datetime) -> Team:
    """A new team of the contest, with its creator as first member."""
    contest = contest_with_teams(slug, user, now)
    contest.lock()
    _open(contest, now)
    _verified(user)
    problem = domain.name_problem(name)
    if problem:
        raise validation_error({"name": problem})
    if team_of(contest.id, user.id) is not None:
        raise _one_team()
    key = domain.name_key(name)
    if db.session.scalar(select(Team.id).where(Team.contest_id == contest.id, Team.name_key == key)) is not None:
        raise _name_taken()
    team = Team(contest_id=contest.id, name=domain.clean_name(name), name_key=key, created_by_id=user.id,
                created_at=now)
    team.members.append(TeamMember(contest_id=contest.id, user_id=user.id, user=user, joined_at=now))
    with _unique(lambda: _one_team() if team_of(contest.id, user.id) else _name_taken()):
        db.session.add(team)
        db.session.flush()
        audit.append(contest, user, "team.created", f"team {team.id}", {"team_id": team.id, "name": team.name},
                     now)
        db.session.commit()
    return team


def invite(team_id: int, user: User, email: str, now: datetime) -> TeamInvitation:
    """A member invites an address; the mail carries the only copy of the token.
    A new invitation to an address replaces the one still waiting for it."""
    team, contest = _locked(team_id)
    if not team.has_member(user.id):
        raise forbidden("Only the team's members can do this.")
    _open(contest, now)
    _verified(user)
    address, why = check_address(email)
    if why:
        raise validation_error({"email": why})
    assert address is not None
    normalised = normalise_email(address)
    if any(m.user.email_normalised == normalised for m in team.members):
        raise ApiError("conflict", "This address belongs to a member of the team already.", 409)
    db.session.execute(delete(TeamInvitation).where(TeamInvitation.team_id == team.id,
                                                    TeamInvitation.email_normalised == normalised,
                                                    TeamInvitation.accepted_at.is_(None)))
    token, digest = domain.new_token()
    invitation = TeamInvitation(team_id=team.id, token_hash=digest, email=address, email_normalised=normalised,
                                invited_by_id=user.id, created_at=now,
                                expires_at=now + domain.INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    # The address stays out of the log: the invitation's id leads to it for whoever must know.
    audit.append(contest, user, "team.invited", f"team {team.id}",
                 {"team_id": team.id, "invitation_id": invitation.id}, now)
    db.session.commit()
    base = current_app.config["VOTING"].base_url.rstrip("/")
    # The invitee's language if the address has an account; the inviter's otherwise, as a guess that
    # beats none (they chose to write to this person).
    invitee = find_by_email(address)
    send_template(address, "team_invitation", (invitee or user).locale, team=team, contest=contest,
                  inviter=user, link=f"{base}/teams/join?token={token}",
                  days=domain.INVITATION_LIFETIME.days)
    return invitation


def pending_invitation(token: str, now: datetime) -> TeamInvitation:
    """The invitation a link names, while it can still be accepted (the page
    shows it before the invitee accepts); 422 otherwise."""
    invitation = db.session.scalar(select(TeamInvitation).where(
        TeamInvitation.token_hash == domain.token_hash(token))) if token else None
    if invitation is None:
        raise _bad_token(N_("the invitation is not valid"))
    problem = domain.token_problem(invitation.accepted_at, invitation.expires_at, now)
    if problem:
        raise _bad_token(problem)
    return invitation


def join(token: str, user: User, now: datetime) -> Team:
    """The signed-in invitee joins the team; the invitation is then used up.
    Refusals, in order: a bad, used or expired token (422), another address
    (403 `forbidden`), an unverified one (403 `email_unverified`), the phase
    (409 `phase_closed`), a team already (409 `limit_reached`)."""
    digest = domain.token_hash(token)
    contest_id = db.session.scalar(select(Team.contest_id).join(TeamInvitation, TeamInvitation.team_id == Team.id)
                                   .where(TeamInvitation.token_hash == digest))
    if contest_id is None:
        raise _bad_token(N_("the invitation is not valid"))
    contest = _lock(contest_id)
    # Read after the lock, so a second use of the link waits for the first and sees it used.
    invitation = pending_invitation(token, now)
    if user.email_normalised != invitation.email_normalised:
        raise forbidden("This invitation was sent to another address: sign in with the account of that address.")
    _verified(user)
    _open(contest, now)
    team = invitation.team
    with _unique(_one_team):
        if not team.has_member(user.id):
            if team_of(contest.id, user.id) is not None:
                raise _one_team()
            team.members.append(TeamMember(contest_id=contest.id, user_id=user.id, user=user, joined_at=now))
            audit.append(contest, user, "team.joined", f"team {team.id}",
                         {"team_id": team.id, "invitation_id": invitation.id}, now)
        invitation.accepted_at, invitation.accepted_by_id = now, user.id
        db.session.commit()
    return team


def leave(team_id: int, user: User, now: datetime) -> tuple[Team, bool]:
    """The user leaves the team; the last one to leave dissolves it (its
    invitations go with it, its entries stay without a team). Answers the team
    as it was left and whether it was dissolved."""
    team, contest = _locked(team_id)
    membership = next((m for m in team.members if m.user_id == user.id), None)
    if membership is None:
        raise forbidden("Only the team's members can do this.")
    _open(contest, now)
    team.members.remove(membership)
    dissolved = not team.members
    if dissolved:
        db.session.delete(team)
    audit.append(contest, user, "team.left", f"team {team.id}",
                 {"team_id": team.id, "name": team.name, "dissolved": dissolved}, now)
    db.session.commit()
    return team, dissolved


@contextmanager
def _unique(conflict: Callable[[], ApiError]) -> Iterator[None]:
    """A unique constraint that a concurrent request won first (one team per
    person, one name per contest) becomes that rule's refusal. The contest's
    lock makes this rare; SQLite, which takes no row lock, relies on it."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise conflict() from None


# The rule of a team's entries.

def check_entry_team(contest: Contest, user: User, team_id: int, category_id: int,
                     entry_id: int | None = None) -> Team:
    """The team an entry of `contest` in `category_id` may belong to, checked
    in the caller's transaction before it stores the entry: an unknown team or
    another contest's (404 `not_found`), a caller who is neither a member nor
    one of the contest's organisers (403 `forbidden`; organisers enter and
    import entries for teams), a team that already has an entry in that
    category other than `entry_id`, the entry being edited (409
    `limit_reached`; withdrawn entries do not count).

    It takes the contest's lock, which the caller's commit releases: two
    submissions for one team and category then run one after the other, and
    the second sees the first. (A partial unique index would hold the rule too,
    but it would fix in the schema which statuses count, which belong to the
    submission workflow; the lock is what the other per-contest rules use.)
    The caller must not commit between this check and storing the entry."""
    valid = isinstance(team_id, int) and not isinstance(team_id, bool) and 0 < team_id <= MAX_ID
    team = db.session.get(Team, team_id) if valid else None
    if team is None or team.contest_id != contest.id:
        raise not_found("team")
    if not team.has_member(user.id) and not user.manages(contest.id):
        raise forbidden("Only the team's members can submit its entries.")
    contest.lock()
    taken = select(Entry.id).where(Entry.team_id == team.id, Entry.category_id == category_id,
                                   Entry.status.not_in(domain.NOT_COUNTED))
    if entry_id is not None:
        taken = taken.where(Entry.id != entry_id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise ApiError("limit_reached", "This team already has an entry in this category.", 409)
    return team
