"""The organiser's judging page reopens a submitted score and records a
conflict of interest on a judge's behalf, through the same services (and the
same audit entries) as the API, with refusals shown at their fields; and a
criterion's guidance, from the SPEC or from a new round's rubric, reaches the
judges' score form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from judging.models import SheetChange
from tests.pages.support import page, submit
from tests.pages.test_judging_pages import (CRITERIA, ORGANISER, OVERVIEW, SLUG, add_judge, assigned,  # noqa: F401
                                            boss, contest, entry_url, field_error, my_entries, panel, sheet,
                                            signed_in, site, window)
from tests.pages.test_page_quality import check_page
from tests.support.api import Api
from tests.support.factories import PASSWORD
from voting.accounts.models import User
from voting.extensions import db

REOPEN, CONFLICTS = f"{OVERVIEW}/reopen", f"{OVERVIEW}/conflicts"


def user_id(app, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        db.session.remove()
    return found


def audit(app, action: str) -> list[dict]:
    api = Api(app.test_client())
    api.login(ORGANISER, PASSWORD)
    return [e for e in api.get(f"/api/v1/contests/{SLUG}/audit").get_json()["entries"] if e["action"] == action]


def options(doc, select_id: str) -> list[str]:
    """The values a select offers, in order."""
    start = doc.html.index(f'<select id="{select_id}"')
    return [a["value"] for t, a in page_of(doc.html[start:doc.html.index("</select>", start)]).elements
            if t == "option"]


def page_of(html: str):
    from tests.pages.support import Page

    return Page(html)


def select_error(doc, select_id: str) -> str:
    (control,) = doc.find("select", id=select_id)
    assert control.get("aria-invalid") == "true" and control["aria-describedby"] == f"{select_id}-error"
    start = doc.html.index(f'id="{select_id}-error"')
    return doc.html[start:doc.html.index("</div>", start)]


def test_the_forms_offer_the_judges_and_the_entries_by_category(app, site, boss, contest, panel):
    resp = boss.get(OVERVIEW)
    check_page(resp)
    doc = page(resp)
    assert (2, "Reopen a submitted score") in doc.headings and (2, "Record a conflict of interest") in doc.headings
    for action, prefix in ((REOPEN, "reopen"), (CONFLICTS, "conflict")):
        assert set(doc.form(action)["fields"]) == {"csrf_token", "judge_id", "entry_id", "reason"}
        assert doc.find("select", id=f"{prefix}-judge") and doc.find("select", id=f"{prefix}-entry")
    judges = sorted(str(user_id(app, email)) for email in ("ann@example.org", "ben@example.org", "cat@example.org"))
    for prefix in ("reopen", "conflict"):
        assert options(doc, f"{prefix}-judge")[0] == "" and sorted(options(doc, f"{prefix}-judge")[1:]) == judges
        assert options(doc, f"{prefix}-entry") == ["", *(str(contest[t]) for t in ("Walk", "Grip", "Pension",
                                                                                    "Savings"))]
    assert [a["label"] for t, a in doc.elements if t == "optgroup"] == ["Frailty", "Finance"] * 2
    assert "ben (ben@example.org)" in doc.text


def test_the_organiser_reopens_a_submitted_score(app, site, boss, contest, panel):
    ben, ben_id = panel["ben"], user_id(app, "ben@example.org")
    first, second = sorted(my_entries(ben), key=lambda t: contest[t])[:2]
    entry_id, draft_id = contest[first], contest[second]
    assert submit(ben, entry_url(draft_id), data={"scores.impact": "6", "action": "draft"}).status_code == 303
    assert submit(ben, entry_url(entry_id), data={"scores.impact": "6", "scores.feasibility": "2",
                                                   "action": "submit"}).status_code == 303

    # Refusals, at their fields, with the service's status; the choices are kept.
    resp = submit(boss, OVERVIEW, REOPEN, judge_id=str(ben_id), entry_id=str(entry_id), reason="  ")
    check_page(resp, 422)
    doc = page(resp)
    assert "say why the score is reopened" in field_error(doc, "reopen-reason")
    assert doc.find("a", href="#reopen-reason")
    assert doc.find("option", value=str(ben_id), selected="") and doc.find("option", value=str(entry_id), selected="")
    resp = submit(boss, OVERVIEW, REOPEN, judge_id="", entry_id=str(entry_id), reason="A mis-click")
    check_page(resp, 422)
    assert "is required" in select_error(page(resp), "reopen-judge") and "A mis-click</textarea>" in resp.text
    resp = submit(boss, OVERVIEW, REOPEN, judge_id=str(ben_id), entry_id=str(draft_id), reason="A mis-click")
    check_page(resp, 409)  # a draft is not submitted
    assert "Only a submitted score can be reopened." in page(resp).text
    other = next(i for i in contest.values() if i not in assigned(app, "ben@example.org"))
    resp = submit(boss, OVERVIEW, REOPEN, judge_id=str(ben_id), entry_id=str(other), reason="A mis-click")
    check_page(resp, 404)
    assert "No such score sheet." in page(resp).text

    assert sheet(app, "ben@example.org", entry_id)["status"] == "submitted"  # nothing moved
    resp = submit(boss, OVERVIEW, REOPEN, judge_id=str(ben_id), entry_id=str(entry_id), reason="A mis-click")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{OVERVIEW}#reopen"
    assert "The score is reopened" in page(boss.get(OVERVIEW)).text
    assert sheet(app, "ben@example.org", entry_id)["status"] == "draft"
    (entry,) = audit(app, "judging.reopened")  # as the API audits it
    assert entry["details"]["before"]["reason"] == "A mis-click" and ORGANISER in entry["actor"]
    assert "Save draft" in page(ben.get(entry_url(entry_id))).text  # the judge can change it again


def test_the_organiser_records_a_conflict_on_a_judges_behalf(app, site, boss, contest, panel):
    ben, ben_id = panel["ben"], user_id(app, "ben@example.org")
    title = sorted(t for t in my_entries(ben) if t != "Walk")[0]  # Ann cannot take over "Walk"
    entry_id = contest[title]
    assert submit(ben, entry_url(entry_id), data={"scores.impact": "4", "action": "draft"}).status_code == 303

    for fields, status, text in [
            ({"judge_id": str(user_id(app, ORGANISER))}, 404, "No such judge of this contest."),
            ({"entry_id": "999999"}, 404, "No such entry."),
            ({"judge_id": "ben"}, 422, "Judge: must be a whole number"),
            ({"reason": "x" * 501}, 422, "Reason: must be at most 500 characters")]:
        resp = submit(boss, OVERVIEW, CONFLICTS, **{"judge_id": str(ben_id), "entry_id": str(entry_id), **fields})
        check_page(resp, status)
        assert text in page(resp).text, fields
    assert title in my_entries(ben)

    resp = submit(boss, OVERVIEW, CONFLICTS, judge_id=str(ben_id), entry_id=str(entry_id), reason="Told me by phone")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{OVERVIEW}#conflicts"
    assert "The conflict of interest is recorded" in page(boss.get(OVERVIEW)).text
    assert title not in my_entries(ben)
    check_page(ben.get(entry_url(entry_id)), 403)
    (entry,) = audit(app, "judging.conflict")
    assert entry["details"] == {"judge_id": ben_id, "entry_id": entry_id, "source": "organiser",
                                "reason": "Told me by phone"}
    (voided,) = audit(app, "judging.voided")  # Ben's draft went with the assignment; its history stays
    assert voided["details"]["before"]["scores"] == {"impact": 4}
    with app.app_context():
        kept = [c.action for c in db.session.scalars(select(SheetChange).where(
            SheetChange.judge_id == ben_id, SheetChange.entry_id == entry_id).order_by(SheetChange.id))]
        db.session.remove()
    assert kept == ["saved", "voided"]
    assert submit(boss, OVERVIEW, CONFLICTS, judge_id=str(ben_id), entry_id=str(entry_id)).status_code == 303
    assert "This conflict of interest was already recorded." in page(boss.get(OVERVIEW)).text


@pytest.fixture
def guided(app, site, make):
    """A contest whose SPEC gives each criterion guidance; one judge, one entry."""
    from tests.pages.support import add_entry

    boss = make.organiser(ORGANISER)
    criteria = [{**c, "guidance": f"Look for the {c['key']} of the idea."} for c in CRITERIA]
    make.contest(slug=SLUG, kind="hackathon", title="Guided", categories=[{"slug": "frailty", "title": "Frailty"}],
                 phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                 judging={"criteria": criteria, "judges_per_entry": 1, "normalization": "none"})
    entry_id = add_entry(app, SLUG, boss.id, category="frailty", title="Walk")
    make.user("ann@example.org")
    organiser = signed_in(site, ORGANISER)
    assert add_judge(organiser, "ann@example.org").status_code == 303
    assert submit(organiser, OVERVIEW, f"{OVERVIEW}/assignments").status_code == 303
    return entry_id


def test_guidance_from_the_spec_and_from_a_new_round_reaches_the_score_form(app, site, guided):
    ann = signed_in(site, "ann@example.org")
    resp = ann.get(entry_url(guided))
    check_page(resp)
    doc = page(resp)
    assert "Look for the impact of the idea." in doc.text and "Look for the feasibility of the idea." in doc.text
    (control,) = doc.find("input", id="score-impact")
    assert control["aria-describedby"] == "score-impact-hint score-impact-guidance"

    assert submit(ann, entry_url(guided), data={"scores.impact": "8", "scores.feasibility": "4",
                                                 "action": "submit"}).status_code == 303
    api = Api(app.test_client())
    api.login(ORGANISER, PASSWORD)
    final = [{"key": "overall", "label": "Overall", "guidance": "Would you fund it tomorrow?"}]
    resp = api.post(f"/api/v1/contests/{SLUG}/rounds", json={"top": 1, "criteria": final})
    assert resp.status_code == 201, resp.get_json()
    bad = api.post(f"/api/v1/contests/{SLUG}/rounds", json={"top": 1, "criteria": [{**final[0], "guidance": 7}]})
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"criteria.0.guidance": "must be a string"}
    assert api.post(f"/api/v1/contests/{SLUG}/assignments", json={}).status_code == 200
    doc = page(ann.get(entry_url(guided)))
    assert "Would you fund it tomorrow?" in doc.text and "Look for the impact" not in doc.text
    (control,) = doc.find("input", id="score-overall")
    assert control["aria-describedby"] == "score-overall-hint score-overall-guidance"


def test_adding_a_judge_again_updates_their_categories_and_organisation(app, site, boss, contest, panel):
    """The judging page's judge form changes an existing judge's categories and organisation (issue 18),
    through the same service and audit entry as the people page."""
    email = "ann@example.org"  # of ALPHA LAB, a judge of every category (the panel)
    resp = add_judge(boss, email, organisation="Beta Lab", expertise=["finance"])
    assert resp.status_code == 303
    text = page(boss.get(OVERVIEW)).text
    assert "is already a judge of this contest; their categories and organisation were updated." in text
    change = [e["details"] for e in audit(app, "judge.added") if e["details"]["email"] == email][-1]
    assert change["before"]["organisation"] == "ALPHA LAB" and change["before"]["expertise"] == []
    assert change["after"]["organisation"] == "Beta Lab" and change["after"]["expertise"] == ["finance"]
