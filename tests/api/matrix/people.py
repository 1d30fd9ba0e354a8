"""A contest's co-organisers and judges (voting/organiser/people.py). The
removals name `user_id`, the world's spare organiser of this contest: the
organiser's remove route takes them off (or, once the API's DELETE has, finds
no one: a 404); the judge's finds no such judge (a 404). Either way the door
was open to exactly these callers. The invitations get an empty form: a 422."""

from __future__ import annotations

from tests.api.matrix import MANAGER

ROWS = {
    ("GET", "/organiser/contests/<slug>/people"): MANAGER,
    ("POST", "/organiser/contests/<slug>/people/organisers"): MANAGER,
    ("POST", "/organiser/contests/<slug>/people/organisers/<int:user_id>/remove"): MANAGER,
    ("POST", "/organiser/contests/<slug>/people/judges"): MANAGER,
    ("POST", "/organiser/contests/<slug>/people/judges/<int:user_id>/remove"): MANAGER,
}
