"""Addresses: slowed, not refused (issue 15, docs/intake.md). A room of people
behind one address gets in; an address or /24 sending more than a room would
pays more proof of work; only a flood far above any room is refused, with 429
in the API's error shape. Real Redis and database throughout."""

from __future__ import annotations

from sqlalchemy import func, select

from voting.accounts.models import User
from voting.guards.domain import pow
from voting.ballots.models import Ballot
from voting.config import Settings
from voting.contests.domain.spec import RateLimits
from voting.extensions import db

from tests.support.api import Api, assert_error
from tests.support.factories import PASSWORD
from tests.support.voting import open_contest

ROOM = "203.0.113.50"  # the venue's one public address


def on(app, ip: str) -> Api:
    api = Api(app.test_client())
    api.client.environ_base["REMOTE_ADDR"] = ip
    return api


def register(api: Api, email: str):
    """As a client of the API does: ask for a challenge, solve it if it asks for work, register."""
    api.refresh_csrf()
    challenge = api.get("/api/v1/auth/register/challenge").get_json()
    body = {"email": email, "password": PASSWORD, "display_name": email.split("@")[0]}
    if challenge["bits"]:
        body["pow"] = {"token": challenge["token"], "nonce": pow.solve(challenge["token"], challenge["bits"])}
    return api.post("/api/v1/auth/register", json=body), challenge["bits"]


def challenge(api: Api, slug: str) -> dict:
    return api.get(f"/api/v1/challenge?contest={slug}").get_json()


def cast(api: Api, slug: str, category: str, entry: int, issued: dict | None = None):
    issued = issued or challenge(api, slug)
    return api.post(f"/api/v1/contests/{slug}/ballots", json={
        "category": category, "selection": [entry],
        "pow": {"token": issued["token"], "nonce": pow.solve(issued["token"], issued["bits"])}})


def voters(app, make, count: int, ip_of, start: int = 0) -> list[Api]:
    """Signed-in voters v<start>… from the addresses ip_of(n)."""
    found = []
    for n in range(start, start + count):
        make.user(f"v{n}@example.org")
        api = on(app, ip_of(n))
        api.login(f"v{n}@example.org", PASSWORD)
        found.append(api)
    return found


# --- the defaults: far above any room ------------------------------------------------------------------------

def test_the_hard_caps_are_far_above_a_venue():
    limits, settings = RateLimits(), Settings()
    # A venue of 500 people voting in 18 categories within the hour: 9,000 ballots from one address.
    assert int(limits.ip.split("/")[0]) >= 500 * 18
    assert int(limits.prefix.split("/")[0]) >= int(limits.ip.split("/")[0])
    assert settings.register_limit_ip == "500/hour"
    assert (settings.register_free_per_hour, settings.register_pow_bits) == (30, 16)


# --- a room of 60 behind one address -------------------------------------------------------------------------

def test_a_room_of_sixty_behind_one_address_registers_and_votes_within_the_hour(app, make, mailbox):
    """Under the old limits the eleventh registration and the 301st ballot were refused."""
    slug, ids = open_contest(app, categories=18)  # the contest's defaults otherwise
    room, asked = [], []
    for n in range(60):
        api = on(app, ROOM)
        resp, bits = register(api, f"person{n}@example.org")
        assert resp.status_code == 201, (n, resp.get_json())
        asked.append(bits)
        token = mailbox.last_token(f"person{n}@example.org")
        assert api.post("/api/v1/auth/verify", json={"token": token}).status_code == 200
        api.login(f"person{n}@example.org", PASSWORD)
        room.append(api)
    assert asked[:30] == [0] * 30 and set(asked[30:]) == {16}  # the first 30 free, then a proof
    bits_seen = set()
    for category in (f"c{n}" for n in range(1, 19)):
        for n, api in enumerate(room):
            issued = challenge(api, slug)
            bits_seen.add(issued["bits"])
            resp = cast(api, slug, category, ids[category][n % 3], issued)
            assert resp.status_code == 201, (category, n, resp.get_json())
    with app.app_context():
        counted = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.status == "counted"))
        db.session.remove()
    assert counted == 60 * 18
    assert min(bits_seen) == 4 and max(bits_seen) > 4  # slowed a little past a room's volume, never refused


# --- a flood beyond the hard caps ----------------------------------------------------------------------------

def test_ballots_beyond_the_address_cap_get_429_in_the_error_shape(app, make):
    slug, ids = open_contest(app, rate_limits={"ip": "5/hour", "ip_harder_above": "5/hour"})
    farm = voters(app, make, 6, lambda n: "198.51.100.7")
    for api in farm[:5]:
        assert cast(api, slug, "c1", ids["c1"][0]).status_code == 201
    resp = cast(farm[5], slug, "c1", ids["c1"][0])
    err = assert_error(resp, 429, "rate_limited")
    assert "fields" not in err and int(resp.headers["Retry-After"]) >= 1
    (neighbour,) = voters(app, make, 1, lambda n: "198.51.100.8", start=6)  # the next address has its own cap
    assert cast(neighbour, slug, "c1", ids["c1"][0]).status_code == 201


def test_registrations_beyond_the_default_cap_get_429_in_the_error_shape(app):
    api = on(app, "198.51.100.9")
    api.refresh_csrf()
    bad = {"email": "not an address", "password": PASSWORD, "display_name": "x"}
    for _ in range(500):  # every request counts against the cap, refused or not
        assert api.post("/api/v1/auth/register", json=bad).status_code == 422
    resp = api.post("/api/v1/auth/register", json={**bad, "email": "fine@example.org"})
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) >= 1
    other = on(app, "198.51.100.10")
    other.refresh_csrf()
    assert other.post("/api/v1/auth/register", json={**bad, "email": "fine@example.org"}).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        db.session.remove()


# --- the proof of work rises with an address's and a prefix's volume -----------------------------------------

def test_an_address_above_a_rooms_volume_gets_harder_challenges_and_others_do_not(app, make):
    slug, ids = open_contest(app, pow_bits=4, rate_limits={"ip_harder_above": "4/hour",
                                                           "prefix_harder_above": "1000/hour"})
    busy = voters(app, make, 9, lambda n: "192.0.2.10")
    (quiet,) = voters(app, make, 1, lambda n: "192.0.3.20", start=9)
    early = challenge(busy[8], slug)  # before the address got busy
    assert early["bits"] == 4
    for api in busy[:4]:
        assert cast(api, slug, "c1", ids["c1"][0]).status_code == 201
    assert challenge(busy[4], slug)["bits"] == 4  # 4 in the hour: a room's volume
    assert cast(busy[4], slug, "c1", ids["c1"][0]).status_code == 201
    assert challenge(busy[5], slug)["bits"] == 5  # 5: above it, one bit more
    for api in busy[5:8]:
        assert cast(api, slug, "c1", ids["c1"][0]).status_code == 201
    assert challenge(busy[8], slug)["bits"] == 6  # 8: twice the threshold, another
    # The gate asks the same: a challenge of before is refused as too easy, a fresh one passes.
    err = assert_error(cast(busy[8], slug, "c1", ids["c1"][0], early), 400, "challenge_failed")
    assert "pow.token" in err["fields"]
    assert cast(busy[8], slug, "c1", ids["c1"][0]).status_code == 201
    assert challenge(quiet, slug)["bits"] == 4  # another /24 and address: untouched
    assert cast(quiet, slug, "c1", ids["c1"][0]).status_code == 201


def test_a_busy_prefix_raises_the_difficulty_for_its_quiet_addresses(app, make):
    slug, ids = open_contest(app, pow_bits=4, rate_limits={"prefix_harder_above": "6/hour"})
    campus = voters(app, make, 8, lambda n: f"198.18.7.{n + 1}")  # one /24, eight addresses
    for api in campus[:7]:
        assert cast(api, slug, "c1", ids["c1"][0]).status_code == 201
    assert challenge(campus[7], slug)["bits"] == 5  # its own first ballot, on a /24 past the threshold
    assert cast(campus[7], slug, "c1", ids["c1"][0]).status_code == 201
    (elsewhere,) = voters(app, make, 1, lambda n: "198.18.8.1", start=8)
    assert challenge(elsewhere, slug)["bits"] == 4


def test_a_spike_and_a_busy_address_add_up(app, make):
    slug, ids = open_contest(app, pow_bits=4, pow_spike_per_minute=1, rate_limits={"ip_harder_above": "3/hour"})
    busy = voters(app, make, 5, lambda n: "192.0.2.30")
    (other,) = voters(app, make, 1, lambda n: "192.0.3.30", start=5)
    for api in busy[:4]:
        assert cast(api, slug, "c1", ids["c1"][0]).status_code == 201
    spike_only, both = challenge(other, slug)["bits"], challenge(busy[4], slug)["bits"]
    assert spike_only >= 5  # the contest's spike (above 1 a minute, however a minute's end split it)
    assert both == spike_only + 1  # and the address's 4 in the hour, above 3
