"""Account rules that need no framework: address normalisation, disposable
domains, password policy, roles, the registration's proof of work."""

from __future__ import annotations

from dataclasses import dataclass

from voting.i18n.domain import N_, msg

# admin: everything, everywhere. organiser: without a contest, may create
# contests; with one, manages that contest. judge: per contest. voter: everyone.
ROLES = ("admin", "organiser", "judge", "voter")

# Providers that ignore dots in the local part and/or deliver +tag aliases to
# the same mailbox. Aliases must not buy a second vote.
DOT_INSENSITIVE = {"gmail.com", "googlemail.com"}
PLUS_TAG_DOMAINS = {
    "gmail.com", "googlemail.com",
    "outlook.com", "hotmail.com", "live.com", "msn.com",
    "icloud.com", "me.com", "mac.com",
}
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

PASSWORD_MIN = 10
PASSWORD_MAX = 256


def normalise_email(address: str) -> str:
    """The canonical mailbox an address delivers to, for uniqueness checks."""
    address = address.strip()
    local, _, domain = address.rpartition("@")
    domain = domain.lower().rstrip(".")
    local = local.lower()
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in DOT_INSENSITIVE:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_domain(address: str) -> str:
    return address.rpartition("@")[2].lower().rstrip(".")


def is_disposable(address: str, disposable: frozenset[str] | set[str]) -> bool:
    """True when the domain or any parent domain is on the disposable list."""
    parts = email_domain(address).split(".")
    return any(".".join(parts[i:]) in disposable for i in range(len(parts) - 1))


def password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_MIN:
        return msg("must be at least %(num)d characters", num=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        return msg("must be at most %(num)d characters", num=PASSWORD_MAX)
    if password.strip() == "" or len(set(password)) < 4:
        return N_("is too easy to guess")
    return None


@dataclass(frozen=True)
class RoleGrant:
    role: str
    contest_id: int | None


def role_names(grants: list[RoleGrant]) -> list[str]:
    """Roles as the API shows them: voter for everyone, plus any granted ones."""
    names = {g.role for g in grants} | {"voter"}
    return [r for r in ROLES if r in names]


MAX_EXTRA_REGISTRATION_BITS = 6


def registration_bits(recent: int, free: int, base: int) -> int:
    """The proof of work (in bits) the next account from an address needs,
    given the accounts registered from it in the last hour: none for the first
    `free`, then `base`, and one more bit (twice the work) at each doubling of
    the hour's accounts beyond `free`, at most six more and 28 in all. A base of
    0 turns the proof off."""
    if base == 0 or recent < free:
        return 0
    extra = 0
    while extra < MAX_EXTRA_REGISTRATION_BITS and free * 2 ** (extra + 1) <= recent:
        extra += 1
    return min(28, base + extra)
