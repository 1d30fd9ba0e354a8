"""Pairwise judging through the judges' page, as a browser without JavaScript
would: the judging list links to it; the page shows the entry in front of the
judge and the previous one with three buttons; each button records what the
API's verdict records; a form sent twice or from an old tab is refused with
the pair now in front of the judge; judging closed, a rubric contest and
other people meet the API's refusals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from judging.models import PairwiseJudgement
from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.api import Api
from tests.support.factories import PASSWORD, iso, spec
from voting.contests.models import Contest
from voting.extensions import db

SLUG = "ageing-hack"
PAGE = f"/judging/{SLUG}/pairwise"
ENTRIES = [("frailty", "Walk", "Alpha Lab"), ("frailty", "Grip", "Beta"), ("frailty", "Balance", "Gamma")]


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def hackathon(slug: str = SLUG, mode: str = "pairwise") -> dict:
    return spec(slug=slug, kind="hackathon", title="Ageing Better Hackathon",
                categories=[{"slug": "frailty", "title": "Frailty"}],
                phases={"submission": window(-20, -10), "judging": window(-1, 5)}, judging={"mode": mode})


@pytest.fixture
def organiser(app, make) -> Api:
    make.organiser("boss@example.org", manages=False)
    api = Api(app.test_client())
    api.login("boss@example.org", PASSWORD)
    assert api.post("/api/v1/contests", json=hackathon()).status_code == 201
    return api


@pytest.fixture
def ids(organiser) -> dict[str, int]:
    found = {}
    for category, title, organisation in ENTRIES:
        resp = organiser.post(f"/api/v1/contests/{SLUG}/entries",
                              json={"category": category, "title": title, "organisation": organisation,
                                    "team": f"Team {title}", "summary": f"What {title} does."})
        assert resp.status_code == 201, resp.get_json()
        found[title] = resp.get_json()["id"]
    return found


def add_judge(organiser: Api, email: str, slug: str = SLUG, **extra) -> None:
    resp = organiser.post(f"/api/v1/contests/{slug}/judges",
                          json={"email": email, "display_name": email.split("@")[0], "password": PASSWORD, **extra})
    assert resp.status_code == 201, resp.get_json()


def signed_in(app, email: str):
    client = app.test_client()
    sign_in(client, email)
    return client


@pytest.fixture
def ann(app, organiser, ids):
    """Ann judges every entry but Walk (her organisation's)."""
    add_judge(organiser, "ann@example.org", organisation="Alpha Lab")
    return signed_in(app, "ann@example.org")


def pair_on(doc) -> tuple[int, int]:
    """(previous, current) as the page's verdict form names them."""
    fields = doc.form(PAGE)["fields"]
    return int(fields["previous"]), int(fields["current"])


def verdicts(app) -> list[tuple[int, int]]:
    with app.app_context():
        found = [(j.winner_id, j.loser_id) for j in db.session.scalars(
            select(PairwiseJudgement).order_by(PairwiseJudgement.id))]
        db.session.remove()
    return found


def test_the_list_links_to_the_page_which_shows_the_pair_and_three_buttons(app, ann, ids):
    resp = ann.get("/judging/")
    check_page(resp)
    doc = page(resp)
    assert (2, "Ageing Better Hackathon") in doc.headings
    assert "You judge this contest by comparing its entries two at a time." in doc.text
    assert "You have made 0 comparisons in this round." in doc.text
    assert doc.find("a", href=PAGE) and "You have no entries to judge" not in doc.text

    resp = ann.get(PAGE)
    check_page(resp)
    doc = page(resp)
    previous, current = pair_on(doc)
    titles = {i: t for t, i in ids.items()}
    assert {previous, current} == {ids["Grip"], ids["Balance"]}  # never Walk: a detected conflict
    assert doc.headings[:4] == [(1, "Compare entries"), (2, f"This one: {titles[current]}"),
                                (2, f"The previous one: {titles[previous]}"), (2, "Your verdict")]
    assert f"What {titles[current]} does." in doc.text and f"Team Team {titles[previous]}" in doc.text
    assert "Category: Frailty." in doc.text
    buttons = [a for t, a in doc.elements if t == "button" and a.get("name") == "choice"]
    assert [b["value"] for b in buttons] == ["current", "previous", "skip"]
    assert "This one is better" in doc.text and "The previous one was better" in doc.text
    assert "Skip this one" in doc.text
    assert set(doc.form(PAGE)["fields"]) == {"csrf_token", "previous", "current"}
    assert page(ann.get(PAGE)).form(PAGE)["fields"]["current"] == str(current)  # the same pair until judged


def test_each_button_records_what_the_api_would(app, organiser, ann, ids):
    previous, current = pair_on(page(ann.get(PAGE)))
    resp = submit(ann, PAGE, choice="previous")
    assert resp.status_code == 303 and resp.headers["Location"] == PAGE
    assert verdicts(app) == [(previous, current)]
    doc = page(ann.get(PAGE))
    assert "Your verdict is recorded." in doc.text
    # Two entries of Ann's in the category, both seen: she is done.
    assert "You have compared every entry you can." in doc.text and not [f for f in doc.forms if f["action"] == PAGE]
    assert "You have made 1 comparison in this round." in doc.text

    add_judge(organiser, "ben@example.org")
    ben = signed_in(app, "ben@example.org")
    previous, current = pair_on(page(ben.get(PAGE)))
    assert submit(ben, PAGE, choice="current").status_code == 303
    assert verdicts(app)[-1] == (current, previous)
    kept, skipped = pair_on(page(ben.get(PAGE)))
    assert kept == current
    assert submit(ben, PAGE, choice="skip").status_code == 303
    assert "The entry is set aside: it will not be shown to you again." in page(ben.get(PAGE)).text
    assert len(verdicts(app)) == 2
    skips = [e for e in organiser.get(f"/api/v1/contests/{SLUG}/audit").get_json()["entries"]
             if e["action"] == "judging.skipped"]
    assert len(skips) == 1 and skips[0]["details"]["entry_id"] == skipped


def test_a_form_sent_twice_or_from_an_old_tab_is_refused_with_the_pair_now_shown(app, organiser, ann, ids):
    add_judge(organiser, "cat@example.org")
    cat = signed_in(app, "cat@example.org")
    form = page(cat.get(PAGE)).form(PAGE)
    assert cat.post(PAGE, data={**form["fields"], "choice": "current"}).status_code == 303
    resp = cat.post(PAGE, data={**form["fields"], "choice": "current"})  # sent again
    check_page(resp, 409)
    doc = page(resp)
    assert "There is a problem" in doc.text and "That comparison is recorded already." in doc.text
    now_shown = pair_on(doc)
    assert now_shown != (int(form["fields"]["previous"]), int(form["fields"]["current"]))
    (gone,) = set(ids.values()) - set(now_shown)  # compared already, and no longer in front of her
    resp = cat.post(PAGE, data={**form["fields"], "previous": str(gone), "current": str(now_shown[1]),
                                "choice": "previous"})
    check_page(resp, 422)  # a pair that is not the one in front of her
    assert "That pair is no longer the one in front of you" in page(resp).text
    assert pair_on(page(resp)) == now_shown
    for bad in ({"choice": "both"}, {"choice": ""}):
        resp = cat.post(PAGE, data={**form["fields"], **bad})
        check_page(resp, 422)
        assert page(resp).find("a", href="#verdict")
        assert "choose which entry is better, or skip this one" in page(resp).text
    resp = cat.post(PAGE, data={**form["fields"], "current": "x", "choice": "current"})
    check_page(resp, 422)
    assert len(verdicts(app)) == 1  # nothing else was recorded

    # A conflict declared in the meantime: the old form meets the API's 403, the page the new pair.
    previous, current = now_shown
    assert cat.post(f"/judging/{SLUG}/entries/{current}/conflict",
                    data={"csrf_token": form["fields"]["csrf_token"], "reason": "my cousin"}).status_code == 303
    resp = cat.post(PAGE, data={**form["fields"], "previous": str(previous), "current": str(current),
                                "choice": "current"})
    check_page(resp, 403)
    assert "You have a conflict of interest with this entry." in page(resp).text


def test_closed_judging_a_rubric_contest_and_other_people(app, make, organiser, ann, ids):
    form = page(ann.get(PAGE)).form(PAGE)
    make.user("voter@example.org")
    make.organiser("other@example.org", manages=False)
    for email in ("voter@example.org", "other@example.org", "boss@example.org"):
        client = signed_in(app, email)
        check_page(client.get(PAGE), 403)
        assert "not on your judging list" in page(client.get(PAGE)).text
        token = page(client.get("/")).forms[0]["fields"]["csrf_token"]  # the sign-out form's
        assert client.post(PAGE, data={**form["fields"], "csrf_token": token, "choice": "current"}
                           ).status_code == 403
    assert app.test_client().get(PAGE).headers["Location"].startswith("/login?next=")  # signed out
    assert ann.get("/judging/missing/pairwise").status_code == 404

    # A contest judged by rubric has no pairs.
    assert organiser.post("/api/v1/contests", json=hackathon(slug="rubric-hack", mode="rubric")).status_code == 201
    add_judge(organiser, "ann@example.org", slug="rubric-hack")
    check_page(ann.get("/judging/rubric-hack/pairwise"), 409)

    with app.app_context():
        db.session.execute(update(Contest).where(Contest.slug == SLUG)
                           .values(judging_closes_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    resp = ann.get(PAGE)
    check_page(resp)
    assert "Judging is closed: comparisons can no longer be made." in page(resp).text
    resp = ann.post(PAGE, data={**form["fields"], "choice": "current"})
    check_page(resp, 409)
    assert "Judging is not open for this contest." in page(resp).text
    assert verdicts(app) == []
