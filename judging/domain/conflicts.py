"""Conflicts of interest found without anyone declaring them. Pure.

A judge must never score an entry of their own organisation, of a colleague
(an address at the same organisation's mail domain) or of their own team.
Organisation names are compared after normalisation, so "ITU", "I.T.U." and
"itu " match, and legal suffixes and common words do not stop a match
("Foo Foundation" and "foo"). Mail domains of public providers (gmail.com
and the like) say nothing about an organisation and are never compared.
Detection can only add conflicts: a judge or an organiser declares the
others, and nothing here clears a declared one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

# Mailbox providers anyone can sign up with: sharing one is no tie.
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
    "yahoo.fr", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.ru", "yandex.com",
    "qq.com", "163.com", "126.com", "sina.com", "naver.com", "zoho.com", "fastmail.com", "tutanota.com",
    "orange.fr", "free.fr", "laposte.net", "libero.it", "rediffmail.com", "hotmail.fr", "outlook.fr",
})
# Words that name the kind of organisation, not which one.
ORGANISATION_NOISE = frozenset({
    "the", "of", "and", "for", "inc", "ltd", "llc", "plc", "gmbh", "sa", "sarl", "ag", "co", "corp",
    "corporation", "company", "foundation", "association", "organisation", "organization", "group",
})


def normalise_organisation(name: str | None) -> str:
    """A comparable form: accents and punctuation gone, case folded, noise words dropped."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", text)  # I.T.U. → ITU
    words = [w for w in re.split(r"[^\w]+", text) if w and w not in ORGANISATION_NOISE]
    return " ".join(words)


def mail_domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].strip().lower().rstrip(".")


@dataclass(frozen=True)
class JudgeFacts:
    id: int
    email: str
    organisation: str = ""


@dataclass(frozen=True)
class EntryFacts:
    id: int
    organisation: str = ""
    submitter_id: int | None = None
    submitter_email: str = ""
    team_member_ids: frozenset[int] = frozenset()


def reason(judge: JudgeFacts, entry: EntryFacts) -> str | None:
    """Why this judge may not judge this entry, or None."""
    if judge.id == entry.submitter_id or judge.id in entry.team_member_ids:
        return "the judge is in the entry's team"
    ours, theirs = normalise_organisation(judge.organisation), normalise_organisation(entry.organisation)
    if ours and ours == theirs:
        return "same organisation"
    domain = mail_domain(judge.email)
    if domain and domain not in PUBLIC_MAIL_DOMAINS and domain == mail_domain(entry.submitter_email):
        return "same mail domain"
    return None


def detect(judges: Iterable[JudgeFacts], entries: Iterable[EntryFacts]) -> dict[tuple[int, int], str]:
    """Every (judge id, entry id) pair in conflict, with the reason."""
    entries = list(entries)
    found = {}
    for judge in judges:
        for entry in entries:
            why = reason(judge, entry)
            if why:
                found[(judge.id, entry.id)] = why
    return found
