"""What a ballot request carries, read the same way by the API view and the
ballot route: its JSON body, the device cookie, and who sent it."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from voting.ballots import challenges, intake
from voting.ballots.backends import Backends
from voting.ballots.contest_view import ContestView
from voting.netutil import network_prefix

DEVICE_COOKIE = "vdid"
DEVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
Short = Annotated[StrictStr, StringConstraints(max_length=500)]


class Proof(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Short
    nonce: Annotated[StrictStr, StringConstraints(max_length=40)]


class FormSignals(BaseModel):
    """What a ballot page sends besides the ballot: the honeypot field and the
    signed render time."""
    model_config = ConfigDict(extra="forbid")
    website: Short = ""
    rendered: Short | None = None


class BallotBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Annotated[StrictStr, StringConstraints(max_length=64)]
    selection: list[Any] | dict[str, Any]
    pow: Proof | None = None
    form: FormSignals | None = None


def ballot_input(backends: Backends, contest: ContestView, body: BallotBody) -> intake.BallotInput:
    form = body.form or FormSignals()
    return intake.BallotInput(
        category=body.category, selection=body.selection,
        pow_token=body.pow.token if body.pow else None, pow_nonce=body.pow.nonce if body.pow else None,
        honeypot=form.website, rendered=challenges.read_render_token(backends, contest, form.rendered))


def device_id(cookie_value: str | None) -> str:
    """The device cookie's id, or "" when it is missing or not one we hand out."""
    return cookie_value if cookie_value and DEVICE_PATTERN.match(cookie_value) else ""


def client(ip: str, user_agent: str, device: str) -> intake.Client:
    return intake.Client(ip=ip, prefix=network_prefix(ip), device_id=device,
                         user_agent_hash=hashlib.sha256(user_agent[:512].encode()).hexdigest())
