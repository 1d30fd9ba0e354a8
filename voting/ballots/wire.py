"""What a ballot request carries, read the same way by the API view and the
ballot route: its JSON body, the device cookie, and who sent it."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StringConstraints, ValidationError

from voting.ballots import challenges, intake
from voting.ballots.backends import Backends
from voting.ballots.contest_view import ContestView
from voting.ballots.domain import screening
from voting.netutil import network_prefix

DEVICE_COOKIE = "vdid"
DEVICE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
Short = Annotated[StrictStr, StringConstraints(max_length=500)]
# The ballot page's script counts visible time up to a day (voting/static/pow.js stops there).
MAX_VISIBLE_MS = 24 * 3600 * 1000


class Proof(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Short
    nonce: Annotated[StrictStr, StringConstraints(max_length=40)]


class ScriptSignals(BaseModel):
    """What the ballot page's script observed: how long the page was visible,
    and whether a person's input (pointer, touch, key, click, change) reached it.
    Its presence tells that the script ran (without it a page's ballot is flagged `no_script`)."""
    model_config = ConfigDict(extra="forbid")
    visible_ms: Annotated[StrictInt, Field(ge=0, le=MAX_VISIBLE_MS)]
    input: StrictBool
    # navigator.webdriver: the browser says an automation tool drives it.
    webdriver: StrictBool = False


class FormSignals(BaseModel):
    """What a ballot page sends besides the ballot: the honeypot field, the
    signed render time and what its script observed."""
    model_config = ConfigDict(extra="forbid")
    website: Short = ""
    rendered: Short | None = None
    script: ScriptSignals | None = None


class BallotBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Annotated[StrictStr, StringConstraints(max_length=64)]
    selection: list[Any] | dict[str, Any]
    pow: Proof | None = None
    form: FormSignals | None = None


NO_FORM = FormSignals()  # what a ballot without a form says (read only; made once: most API ballots have none)


def ballot_input(backends: Backends, contest: ContestView, body: BallotBody) -> intake.BallotInput:
    form = body.form or NO_FORM
    return intake.BallotInput(
        category=body.category, selection=body.selection,
        pow_token=body.pow.token if body.pow else None, pow_nonce=body.pow.nonce if body.pow else None,
        honeypot=form.website, rendered=challenges.read_render_token(backends, contest, form.rendered),
        script=script_seen(form.script))


def script_seen(signals: ScriptSignals | None) -> screening.ScriptSeen | None:
    return None if signals is None else screening.ScriptSeen(signals.visible_ms, signals.input, signals.webdriver)


def script_from_page(text: str | None) -> screening.ScriptSeen | None:
    """The ballot page's hidden `script` field (the same object as JSON, written
    by its script), or None when the script did not write one we can read."""
    if not text or len(text) > 200:
        return None
    try:
        return script_seen(ScriptSignals.model_validate_json(text))
    except ValidationError:
        return None


def device_id(cookie_value: str | None) -> str:
    """The device cookie's id, or "" when it is missing or not one we hand out."""
    return cookie_value if cookie_value and DEVICE_PATTERN.match(cookie_value) else ""


# User agents that say they are automation: headless browsers and HTTP
# libraries. A careful bot sends a browser's string; a careless one tells us.
AUTOMATION = re.compile(r"HeadlessChrome|PhantomJS|Selenium|webdriver|python-requests|python-urllib|aiohttp|"
                        r"httpx|curl/|Wget/|Go-http-client|okhttp|axios/|node-fetch|undici|Java/|"
                        r"Apache-HttpClient|libwww-perl|Scrapy", re.IGNORECASE)


def client(ip: str, user_agent: str, device: str) -> intake.Client:
    head = user_agent[:512]
    return intake.Client(ip=ip, prefix=network_prefix(ip), device_id=device,
                         user_agent_hash=hashlib.sha256(head.encode()).hexdigest(),
                         automated=bool(AUTOMATION.search(head)))
