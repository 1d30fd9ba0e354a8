"""Account rules that need no framework: address normalisation, disposable
domains, password policy, roles, the registration's proof of work."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voting.i18n.domain import N_, Message, msg

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


# email_validator says what is wrong with an address in English sentences of its
# own (and names the characters it refuses). These say each of its cases in our
# words, translatable, keeping only the characters; a case it adds later gets
# ADDRESS_INVALID. First match wins.
ADDRESS_INVALID = N_("is not a valid email address")
_CHARS = r": (?P<chars>.+?)\.?$"
ADDRESS_WORDS: list[tuple[re.Pattern[str], object]] = [(re.compile(pattern), words) for pattern, words in [
    (r"must have an @-sign|at-sign \(@\) character instead|character instead of a regular at-sign",
     N_("must have an @ sign")),
    (r"something before the @-sign", N_("must have something before the @ sign")),
    (r"something after the @-sign", N_("must have something after the @ sign")),
    (r"too long|so many characters", N_("is too long")),
    (r"display name|angle bracket|anything after the email address",
     N_("must be the address alone, without a name or angle brackets")),
    (r"^Quoting|in quotes", N_("cannot have quotes before the @ sign")),
    (r"bracket|IPv[46]|address literal", N_("must have a domain name after the @ sign, not an IP address")),
    (r"two periods in a row|start with a period|end with a period|period immediately|period and a hyphen|"
     r"hyphen immediately|end with a hyphen|start with a hyphen|two dashes",
     N_("cannot have a period or hyphen at the start or end of a part, or two of them together")),
    (r"should have a period", N_("must have a period in the domain name after the @ sign")),
    (r"special-use or reserved|top-level domain|not valid IDNA|is invalid \(|became invalid|is not valid\.",
     N_("has a domain name after the @ sign that cannot receive mail")),
    (r"does not accept email|does not exist|does not send email|checking if the domain",
     N_("has a domain name after the @ sign that cannot receive mail")),
    (r"(invalid|unsafe) characters?.*" + _CHARS, "chars"),
    (r"Internationalized characters.*" + _CHARS, "chars"),
    (r"invalid characters?|unsafe characters?|not valid ASCII|Internationalized characters",
     N_("has characters an email address cannot hold")),
]]


def address_problem(why: str) -> str:
    """email_validator's reason (its exception's text) as our translatable words.
    Our own messages (a Message, or one of ours already) pass as they are."""
    if isinstance(why, Message) or why in _OURS:
        return why
    for pattern, words in ADDRESS_WORDS:
        found = pattern.search(why)
        if found:
            if words == "chars":
                return msg("has characters an email address cannot hold: %(chars)s", chars=found["chars"])
            return str(words)
    return ADDRESS_INVALID


_OURS = {ADDRESS_INVALID, N_("is too long")} | {words for _p, words in ADDRESS_WORDS if words != "chars"}


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
