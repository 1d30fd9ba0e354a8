"""The kinds of caller of the authorisation matrix (test_authorisation_matrix),
and its rows for the organiser console, one module per part of it."""

from __future__ import annotations

ROLES = ("anonymous", "voter", "judge", "other_organiser", "organiser", "admin")

PUBLIC = frozenset(ROLES)
SIGNED_IN = PUBLIC - {"anonymous"}
MANAGER = frozenset({"organiser", "admin"})  # organisers of this contest, and admins
CREATOR = frozenset({"other_organiser", "admin"})  # the global organiser role (this contest's has none)
ORGANISER_PAGES = frozenset({"other_organiser", "organiser", "admin"})  # anyone with a contest to manage
JUDGES = frozenset({"judge"})  # judges of this contest (anyone else is told the entry is not on their list)
# Only an entry's own entrant edits, submits and withdraws it: the world's entry is the factory organiser's,
# none of these callers', so every one of them is refused.
ENTRANT: frozenset[str] = frozenset()
# The world's team is the voter's, in a hackathon that only admins of these callers manage.
TEAM_MEMBERS = frozenset({"voter"})
TEAM_READERS = frozenset({"voter", "admin"})  # its members and its contest's organisers
