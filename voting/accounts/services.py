"""Account use cases. Each one validates, changes the database, commits, and
only then sends mail, so a mail failure never undoes an account change."""

from __future__ import annotations

from flask import current_app
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from voting import clock
from voting.accounts import disposable, tokens
from voting.accounts.countries import is_country
from voting.accounts.domain import (ROLES, RoleGrant, address_problem, is_disposable, normalise_email, password_problem,
                                   role_names)
from voting.accounts.models import User, UserRole
from voting.accounts.passwords import check_password, hash_password, needs_rehash
from voting.errors import ApiError, validation_error
from voting.extensions import db
from voting.i18n.domain import N_, msg, parse
from voting.mail import send_template


def _settings():
    return current_app.config["VOTING"]


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_normalised == normalise_email(email)))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def check_address(email: str) -> tuple[str | None, str | None]:
    """(the address as it will be stored, or None, and why not)."""
    if len(email) > 254:
        return None, N_("is too long")
    try:
        return validate_email(email, check_deliverability=False).normalized, None
    except EmailNotValidError as exc:
        return None, address_problem(str(exc))


def _profile_problems(display_name: str, country: str | None) -> dict[str, str]:
    problems = {}
    if not display_name.strip():
        problems["display_name"] = N_("must not be empty")
    elif len(display_name.strip()) > 120:
        problems["display_name"] = msg("must be at most %(num)d characters", num=120)
    if country is not None and not is_country(country):
        problems["country"] = N_("must be an ISO 3166-1 alpha-2 country code such as CH")
    return problems


def register(email: str, password: str, display_name: str, country: str | None = None,
             locale: str | None = None) -> User:
    """`locale`: the language the person registered in (the page's), kept as the account's language."""
    address, why = check_address(email)
    problems = _profile_problems(display_name, country)
    if why:
        problems["email"] = why
    pw = password_problem(password)
    if pw:
        problems["password"] = pw
    if problems:
        raise validation_error(problems)
    assert address is not None
    if is_disposable(address, disposable.domains()):
        raise ApiError("email_rejected", "Addresses on disposable-mail domains cannot register.", 422,
                       {"email": N_("is on a disposable-mail domain")})
    normalised = normalise_email(address)
    if db.session.scalar(select(User.id).where(User.email_normalised == normalised)) is not None:
        raise email_taken()
    user = User(email=address, email_normalised=normalised, password_hash=hash_password(password),
                display_name=display_name.strip(), country=country.upper() if country else None,
                locale=parse(locale))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise email_taken() from None
    send_verification(user)
    return user


def set_locale(user: User, locale: object) -> None:
    """The account's language, for its pages and the mails it is sent."""
    found = parse(locale)
    if found is None:
        raise validation_error({"locale": N_("is not a language these pages are written in")})
    user.locale = found
    db.session.commit()


def email_taken() -> ApiError:
    return ApiError("email_taken", "An account with this address (or an alias of it) already exists.", 409,
                    {"email": N_("is already registered")})


def send_verification(user: User) -> bool:
    token = tokens.make_token("verify", {"u": user.id, "e": user.email_normalised})
    link = f"{_settings().base_url.rstrip('/')}/verify?token={token}"
    return send_template(user.email, "verify", user.locale, user=user, link=link)


def verify(token: object) -> User:
    try:
        data = tokens.read_token("verify", token, _settings().verify_token_max_age)
    except tokens.TokenInvalid as exc:
        raise validation_error({"token": str(exc)}, "The verification link is not valid.") from None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or user.email_normalised != data.get("e"):
        raise validation_error({"token": N_("the token is not valid")}, "The verification link is not valid.")
    if user.verified_at is None:
        user.verified_at = clock.now()
        db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    user = find_by_email(email) if len(email) <= 320 else None
    if not check_password(user.password_hash if user else None, password) or user is None:
        raise ApiError("invalid_credentials", "The address or the password is wrong.", 401)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def request_password_reset(email: str) -> None:
    """Mails a reset link if the account exists; says nothing either way."""
    user = find_by_email(email) if len(email) <= 320 else None
    if user is None:
        return
    token = tokens.make_token("reset", {"u": user.id, "v": user.session_version})
    link = f"{_settings().base_url.rstrip('/')}/reset?token={token}"
    send_template(user.email, "reset", user.locale, user=user, link=link)


# An invitation (a judge's account made by an organiser) waits longer than a
# reset: the invitee may read the mail days later. It works like a reset link:
# once, and it sets the password.
INVITATION_MAX_AGE = 14 * 24 * 3600


def invitation_link(user: User) -> str:
    token = tokens.make_token("invite", {"u": user.id, "v": user.session_version})
    return f"{_settings().base_url.rstrip('/')}/reset?token={token}"


def _password_link_data(token: object) -> dict:
    try:
        return tokens.read_token("reset", token, _settings().reset_token_max_age)
    except tokens.TokenInvalid as exc:
        try:
            return tokens.read_token("invite", token, INVITATION_MAX_AGE)
        except tokens.TokenInvalid:
            raise validation_error({"token": str(exc)}, "The reset link is not valid.") from None


def _link_user(token: object) -> User:
    data = _password_link_data(token)
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or user.session_version != data.get("v"):
        raise _used_link()
    return user


def _used_link() -> ApiError:
    return validation_error({"token": N_("the token has already been used or is not valid")},
                            "The reset link is not valid.")


def password_link_account(token: object) -> tuple[str, bool] | None:
    """The address of the account a password link (reset or invitation) is
    for, and whether it has no password yet (one made by an invitation: its
    page welcomes rather than resets); None for a link that is not valid, which
    the form says once sent. The page names the address so that a link
    forwarded by someone else (an organiser inviting an address they own) is
    not mistaken for one's own. It tells nothing a stranger could use: only
    the link's holder gets an answer."""
    try:
        user = _link_user(token)
    except ApiError:
        return None
    return user.email, user.password_hash is None


def link_sets_first_password(token: object) -> bool:
    """Whether a valid password link is for an account with no password yet."""
    account = password_link_account(token)
    return account is not None and account[1]


def choose_password(token: object, password: str) -> tuple[User, bool]:
    """`reset_password`, and whether it was the account's first password (the
    page then signs its holder in: the link, used once, proved the mailbox)."""
    return _set_password(token, password)


def reset_password(token: object, password: str) -> User:
    return _set_password(token, password)[0]


def _set_password(token: object, password: str) -> tuple[User, bool]:
    """Sets the password a link allows, once. The link's session version is
    checked and bumped in one conditional UPDATE, so of two requests with the
    same link at once exactly one matches the row (the other, on PostgreSQL,
    waits for the first's row lock and then finds the version moved on): a
    read-then-write would let both pass. Answers the user and whether it was
    their first password."""
    user = _link_user(token)
    problem = password_problem(password)
    if problem:
        raise validation_error({"password": problem})
    first = user.password_hash is None
    version = user.session_version
    # Following the link proves the mailbox, just as the verification link does.
    verified_at = user.verified_at or clock.now()
    done = db.session.execute(
        update(User).where(User.id == user.id, User.session_version == version)
        .values(password_hash=hash_password(password), session_version=User.session_version + 1,
                verified_at=func.coalesce(User.verified_at, verified_at))
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise _used_link()
    db.session.commit()
    db.session.refresh(user)  # what the UPDATE wrote (the session does not expire on commit)
    return user, first


def grant_role(user: User, role: str, contest_id: int | None = None) -> bool:
    """Gives a role once; answers whether it was new. The caller commits."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if role == "voter" or any(r.role == role and r.contest_id == contest_id for r in user.roles):
        return False
    user.roles.append(UserRole(role=role, contest_id=contest_id))
    return True


def ensure_user(email: str, password: str | None, display_name: str | None = None, *,
                verified: bool = True, organisation: str | None = None,
                create_only: bool = False) -> tuple[User, bool]:
    """Find or create an account (CLI, judge invitations, demo). Answers (user, created).
    With `create_only` an existing account is answered untouched: nobody but its
    owner (or the command line) changes its password or name."""
    address, why = check_address(email)
    if why:
        raise validation_error({"email": why})
    assert address is not None
    if password is not None and (problem := password_problem(password)):
        raise validation_error({"password": problem})
    user = find_by_email(address)
    created = user is None
    if not created and create_only:
        return user, False
    if user is None:
        user = User(email=address, email_normalised=normalise_email(address),
                    display_name=(display_name or address.split("@")[0])[:120])
        db.session.add(user)
    elif display_name:
        user.display_name = display_name[:120]
    if password is not None and (created or not check_password(user.password_hash, password)):
        if not created:
            user.session_version += 1  # a new password ends every session signed in with the old one
        user.password_hash = hash_password(password)
    if organisation:
        user.organisation = organisation[:200]
    if verified and user.verified_at is None:
        user.verified_at = clock.now()
    return user, created


def serialise(user: User) -> dict:
    grants = [RoleGrant(r.role, r.contest_id) for r in user.roles]
    return {"id": user.id, "email": user.email, "display_name": user.display_name,
            "roles": role_names(grants), "verified": user.verified}
