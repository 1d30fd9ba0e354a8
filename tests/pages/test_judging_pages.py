"""Judging through the pages, as a browser without JavaScript would: the
organiser adds judges and makes the assignments; judges see their list, save
drafts, are refused bad numbers next to their fields, submit, see the sheet
read-only and declare conflicts; the organiser follows progress and the
jury's ranking and has reminders mailed; everyone else meets a 403."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rq import Queue
from sqlalchemy import select, update

from judging.models import Assignment, Round, ScoreSheet
from judging.organiser_views import bp as organiser_bp
from tests.pages.support import add_entry, page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.factories import iso
from voting.accounts.models import User
from voting.contests.models import Contest
from voting.extensions import db
from voting.worker import run_worker

SLUG = "ageing-better"
ORGANISER = "boss@example.org"
OVERVIEW = f"/organiser/contests/{SLUG}/judging"
CRITERIA = [{"key": "impact", "label": "Impact", "weight": 0.6, "min": 0, "max": 10},
            {"key": "feasibility", "label": "Feasibility", "weight": 0.4, "min": 1, "max": 5}]
ENTRIES = [("frailty", "Walk", "Alpha Lab"), ("frailty", "Grip", "Beta"), ("finance", "Pension", "Gamma"),
           ("finance", "Savings", "Delta")]
JUDGES = ("ann@example.org", "ben@example.org", "cat@example.org")


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


def entry_url(entry_id: int) -> str:
    return f"/judging/{SLUG}/entries/{entry_id}"


@pytest.fixture
def site(app, make_app):
    """The app with the organisers' judging pages (registered here until the
    app registers them itself); it shares the suite's database and Redis."""
    built = make_app()
    if "judging_organiser" not in built.blueprints:
        built.register_blueprint(organiser_bp)
    yield built
    with built.app_context():
        db.engine.dispose()


@pytest.fixture
def contest(app, make) -> dict[str, int]:
    """A hackathon in its judging window, two categories, four entries, and
    three accounts that are not judges yet. Answers the entries' ids by title."""
    boss = make.organiser(ORGANISER)
    make.contest(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs",
                 categories=[{"slug": "frailty", "title": "Frailty"}, {"slug": "finance", "title": "Finance"}],
                 phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                 judging={"criteria": CRITERIA, "judges_per_entry": 2, "normalization": "none"})
    for email in JUDGES:
        make.user(email)
    return {title: add_entry(app, SLUG, boss.id, category=category, title=title, organisation=organisation,
                             team=f"Team {title}", summary=f"What {title} does.", country="CH")
            for category, title, organisation in ENTRIES}


def signed_in(site, email: str):
    client = site.test_client()
    sign_in(client, email)
    return client


@pytest.fixture
def boss(site, contest):
    return signed_in(site, ORGANISER)


def add_judge(boss, email: str, **fields):
    # The page reader sends every checkbox it finds; a judge of every category has none checked.
    return submit(boss, OVERVIEW, f"{OVERVIEW}/judges", email=email,
                  **{"display_name": email.split("@")[0].title(), "expertise": [], **fields})


@pytest.fixture
def panel(site, boss):
    """Ann (of Alpha Lab, which made "Walk"), Ben and Cat judge; two judges an entry."""
    for email in JUDGES:
        resp = add_judge(boss, email, organisation="ALPHA LAB" if email.startswith("ann") else "")
        assert resp.status_code == 303 and resp.headers["Location"] == f"{OVERVIEW}#judges"
    resp = submit(boss, OVERVIEW, f"{OVERVIEW}/assignments", judges_per_entry="2")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    return {email.split("@")[0]: signed_in(site, email) for email in JUDGES}


def my_entries(client) -> dict[str, str]:
    """Title → status label, from the judge's list page."""
    doc = page(client.get("/judging/"))
    rows = doc.html.split("<tbody>")[1:]
    found = {}
    for block in rows:
        for row in block.split("</tbody>")[0].split("<tr>")[1:]:
            title = row.split('">', 2)[2].split("</a>")[0]
            found[title] = row.split('<span class="status')[1].split(">", 1)[1].split("</span>")[0]
    return found


def sheet(app, judge_email: str, entry_id: int) -> ScoreSheet | None:
    with app.app_context():
        judge_id = db.session.scalar(select(User.id).where(User.email == judge_email))
        found = db.session.scalar(select(ScoreSheet).join(Assignment, Assignment.id == ScoreSheet.assignment_id)
                                  .where(Assignment.judge_id == judge_id, Assignment.entry_id == entry_id))
        result = None if found is None else {"status": found.status, "scores": dict(found.scores),
                                             "comment": found.comment, "shared": found.comment_to_entrant}
        db.session.remove()
    return result


def assigned(app, judge_email: str) -> set[int]:
    with app.app_context():
        judge_id = db.session.scalar(select(User.id).where(User.email == judge_email))
        found = set(db.session.scalars(select(Assignment.entry_id).where(Assignment.judge_id == judge_id)))
        db.session.remove()
    return found


def field_error(doc, field_id: str) -> str:
    (control,) = [a for t, a in doc.elements if a.get("id") == field_id and t in {"input", "textarea"}]
    assert control.get("aria-invalid") == "true" and f"{field_id}-error" in control["aria-describedby"]
    start = doc.html.index(f'id="{field_id}-error"')
    return doc.html[start:doc.html.index("</div>", start)]


def test_organiser_adds_judges_and_assigns_through_the_page(app, site, boss, contest, mailbox):
    resp = boss.get(OVERVIEW)
    check_page(resp)
    doc = page(resp)
    assert "This contest has no judges yet." in doc.text and "No assignments have been made yet." in doc.text
    assert add_judge(boss, "ann@example.org", organisation="ALPHA LAB", expertise=["frailty"]).status_code == 303
    text = page(boss.get(OVERVIEW)).text
    # The name as the organiser typed it: the page does not tell whether the address had an account.
    assert "Ann (ann@example.org) is now a judge of this contest, and an invitation was mailed to them." in text
    assert "Ageing Better with ICTs" in mailbox.messages("ann@example.org")[-1]["Subject"]
    assert "reset?token=" not in mailbox.messages("ann@example.org")[-1].get_body(("plain",)).get_content()

    # A new address gets an account and an invitation that sets its password; the page says the same.
    assert add_judge(boss, "newcomer@example.org").status_code == 303
    assert "reset?token=" in mailbox.messages("newcomer@example.org")[-1].get_body(("plain",)).get_content()
    assert ("Newcomer (newcomer@example.org) is now a judge of this contest, and an invitation was mailed to them."
            in page(boss.get(OVERVIEW)).text)

    # Refusals: next to their fields, with the service's status, nothing added.
    resp = add_judge(boss, "not an address", display_name="")
    check_page(resp, 422)
    doc = page(resp)
    assert "There is a problem" in doc.text
    assert field_error(doc, "display_name") and doc.find("a", href="#display_name")
    assert doc.find("input", id="email", value="not an address")  # kept to be corrected
    resp = add_judge(boss, "x@example.org", expertise=["nowhere"])
    check_page(resp, 422)
    assert "not categories of this contest: nowhere" in page(resp).text
    assert page(resp).find("fieldset", id="expertise", **{"aria-describedby": "expertise-hint expertise-error"})
    resp = submit(boss, OVERVIEW, f"{OVERVIEW}/assignments", judges_per_entry="many")
    check_page(resp, 422)
    assert field_error(page(resp), "judges-per-entry")
    resp = submit(boss, OVERVIEW, f"{OVERVIEW}/assignments", judges_per_entry="0")
    assert resp.status_code == 422

    # Two judges, two per entry, Ann only in Frailty: Finance is short.
    resp = submit(boss, OVERVIEW, f"{OVERVIEW}/assignments", judges_per_entry="2")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{OVERVIEW}#assignments"
    resp = boss.get(OVERVIEW)
    check_page(resp)
    doc = page(resp)
    assert "The assignments are made: 5 in all, 5 added and 0 removed." in doc.text
    assert "3 entries have fewer judges than asked for" in doc.text
    assert (2, "Entries short of judges (3)") in doc.headings
    assert "Walk (Frailty): 1 of 2 judges" in doc.text  # Ann is of Alpha Lab, which made it
    assert "Pension (Finance): 1 of 2 judges" in doc.text
    assert "Not started yet: ann, Newcomer" in doc.text
    assert assigned(app, "ann@example.org") == {contest["Grip"]}


def test_a_judge_drafts_is_refused_bad_numbers_and_submits(app, site, contest, panel):
    ben = panel["ben"]
    resp = ben.get("/judging/")
    check_page(resp)
    doc = page(resp)
    assert (2, "Ageing Better with ICTs") in doc.headings
    mine = my_entries(ben)
    assert set(mine.values()) == {"Not started"} and len(mine) >= 2
    title = sorted(mine, key=lambda t: contest[t])[0]
    entry_id = contest[title]
    url = entry_url(entry_id)

    resp = ben.get(url)
    check_page(resp)
    doc = page(resp)
    assert doc.headings[0] == (1, title)
    assert f"Team Team {title}" in doc.text and "Country Switzerland" in doc.text and f"What {title} does." in doc.text
    assert "A number from 0 to 10; 60% of the total." in doc.text
    assert "A number from 1 to 5; 40% of the total." in doc.text
    form = doc.form(url)
    assert {"csrf_token", "scores.impact", "scores.feasibility", "comment", "comment_to_entrant"} <= set(form["fields"])
    assert doc.form(f"{url}/conflict")

    # A draft may leave criteria out; "7.5" is a number.
    resp = submit(ben, url, data={"scores.impact": "7.5", "scores.feasibility": "",
                                  "comment_to_entrant": "", "action": "draft"})
    assert resp.status_code == 303 and resp.headers["Location"] == url
    assert sheet(app, "ben@example.org", entry_id) == {"status": "draft", "scores": {"impact": 7.5}, "comment": "",
                                                       "shared": False}
    doc = page(ben.get(url))
    assert "Your draft score of" in doc.text and doc.find("input", id="score-impact", value="7.5")
    assert my_entries(ben)[title] == "Draft saved"

    # Out of range and not a number: each next to its field, the values kept, nothing saved.
    resp = submit(ben, url, data={"scores.impact": "11", "scores.feasibility": "abc", "comment": "Good",
                                  "comment_to_entrant": "", "action": "submit"})
    check_page(resp, 422)
    doc = page(resp)
    assert "must be between 0 and 10" in field_error(doc, "score-impact")
    assert "must be a number" in field_error(doc, "score-feasibility")
    assert doc.find("a", href="#score-impact") and doc.find("a", href="#score-feasibility")
    assert doc.find("input", id="score-feasibility", value="abc") and "Good</textarea>" in doc.html
    for bad in ("nan", "inf", "1e3", "1_0", "7.5.1", "1" * 400):
        resp = submit(ben, url, data={"scores.impact": bad, "action": "draft"})
        assert resp.status_code == 422, bad
        assert "must be a number" in field_error(page(resp), "score-impact"), bad
    resp = submit(ben, url, data={"scores.impact": "5", "action": "submit"})
    assert resp.status_code == 422 and "is required to submit" in field_error(page(resp), "score-feasibility")
    resp = submit(ben, url, data={"scores.impact": "5", "comment": "x" * 5001, "action": "draft"})
    check_page(resp, 422)
    assert field_error(page(resp), "comment")
    assert sheet(app, "ben@example.org", entry_id)["scores"] == {"impact": 7.5}

    # Submitted: shown read-only, with who can reopen it.
    resp = submit(ben, url, data={"scores.impact": "7", "scores.feasibility": "4,5", "comment": "Strong\r\npilot",
                                  "comment_to_entrant": "yes", "action": "submit"})
    assert resp.status_code == 303
    assert sheet(app, "ben@example.org", entry_id) == {"status": "submitted", "comment": "Strong\npilot",
                                                       "scores": {"impact": 7, "feasibility": 4.5}, "shared": True}
    resp = ben.get(url)
    check_page(resp)
    doc = page(resp)
    assert "is submitted" in doc.text and "You submitted this score on" in doc.text
    assert "ask an organiser of the contest to reopen it" in doc.text
    assert not [f for f in doc.forms if f["action"] == url]  # no score form any more
    assert "Impact 7 of 0 to 10" in doc.text and "Feasibility 4.5 of 1 to 5" in doc.text
    assert "The entrant may see the comment yes" in doc.text
    assert my_entries(ben)[title] == "Submitted"
    # A form sent again (an old tab) is refused as the API refuses it.
    token = doc.form(f"{url}/conflict")["fields"]["csrf_token"]
    resp = ben.post(url, data={"csrf_token": token, "scores.impact": "1", "scores.feasibility": "1",
                               "action": "submit"})
    check_page(resp, 409)
    assert "This score was submitted; an organiser can reopen it." in page(resp).text
    assert sheet(app, "ben@example.org", entry_id)["scores"] == {"impact": 7, "feasibility": 4.5}
    assert f"1 of {len(mine)} submitted" in page(ben.get("/judging/")).text


def test_a_declared_conflict_takes_the_entry_off_the_list(app, site, contest, panel):
    ben = panel["ben"]
    mine = my_entries(ben)
    title = sorted(t for t in mine if t != "Walk")[0]  # Ann cannot take over "Walk"
    url = entry_url(contest[title])
    resp = submit(ben, url, f"{url}/conflict", reason="x" * 501)
    check_page(resp, 422)
    assert field_error(page(resp), "conflict-reason")
    resp = submit(ben, url, f"{url}/conflict", reason="My cousin's team")
    assert resp.status_code == 303 and resp.headers["Location"] == "/judging/"
    doc = page(ben.get("/judging/"))
    assert f"“{title}” is taken off your list" in doc.text
    assert title not in my_entries(ben)
    check_page(ben.get(url), 403)
    assert "conflict of interest" in page(ben.get(url)).text
    # Another judge took it over: the entry still has two.
    holders = [name for name, client in panel.items() if title in my_entries(client)]
    assert len(holders) == 2 and "ben" not in holders


def test_a_conflict_declared_after_a_draft_takes_the_entry_off_too(app, site, contest, panel):
    ben = panel["ben"]
    title = sorted(t for t in my_entries(ben) if t != "Walk")[0]
    url = entry_url(contest[title])
    assert submit(ben, url, data={"scores.impact": "5", "action": "draft"}).status_code == 303
    resp = submit(ben, url, f"{url}/conflict", reason="I just saw my cousin's name")
    assert resp.status_code == 303 and title not in my_entries(ben)
    assert sheet(app, "ben@example.org", contest[title]) is None
    check_page(ben.get(url), 403)


def test_detected_conflicts_and_other_people_meet_a_403(app, site, make, contest, panel):
    assert "Walk" not in my_entries(panel["ann"])  # same organisation, whatever the case
    check_page(panel["ann"].get(entry_url(contest["Walk"])), 403)

    make.user("voter@example.org")
    make.organiser("other@example.org", manages=False)
    for email in ("voter@example.org", "other@example.org", ORGANISER):
        client = signed_in(site, email)
        resp = client.get(entry_url(contest["Grip"]))
        check_page(resp, 403)
        assert "This entry is not on your judging list." in page(resp).text
        token = page(client.get("/")).forms[0]["fields"]["csrf_token"]  # the sign-out form's
        for action in (entry_url(contest["Grip"]), f"{entry_url(contest['Grip'])}/conflict"):
            assert client.post(action, data={"csrf_token": token, "scores.impact": "5", "reason": "x"}
                               ).status_code == 403
        resp = client.get("/judging/")
        check_page(resp)
        assert "You have no entries to judge at the moment." in page(resp).text
    for other in ("voter@example.org", "other@example.org"):
        client = signed_in(site, other)
        token = page(client.get("/")).forms[0]["fields"]["csrf_token"]
        assert client.get(OVERVIEW).status_code == 403
        for action in ("judges", "assignments", "reminders"):
            assert client.post(f"{OVERVIEW}/{action}", data={"csrf_token": token, "email": "x@example.org",
                                                             "display_name": "X"}).status_code == 403
    # Signed out: the sign-in page.
    for url in ("/judging/", entry_url(contest["Grip"]), OVERVIEW):
        resp = site.test_client().get(url)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    # A judge of the contest, but not of this entry; an unknown entry; an unknown contest.
    ben_has = assigned(app, "ben@example.org")
    other = next(i for i in contest.values() if i not in ben_has)
    check_page(panel["ben"].get(entry_url(other)), 403)
    assert panel["ben"].get(entry_url(999999)).status_code == 404
    assert panel["ben"].get(f"/judging/missing/entries/{other}").status_code == 404


def test_closed_judging_shows_the_sheet_read_only_and_refuses_scores(app, site, contest, panel):
    ben = panel["ben"]
    entry_id = min(assigned(app, "ben@example.org"))
    url = entry_url(entry_id)
    form = page(ben.get(url)).form(url)
    with app.app_context():
        db.session.execute(update(Contest).where(Contest.slug == SLUG)
                           .values(judging_closes_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        db.session.remove()
    resp = ben.get(url)
    check_page(resp)
    doc = page(resp)
    assert "Judging is closed: this score can no longer be changed." in doc.text and not doc.find("input",
                                                                                                 id="score-impact")
    assert "Judging is closed: scores can no longer be saved." in page(ben.get("/judging/")).text
    resp = ben.post(url, data={**form["fields"], "scores.impact": "5", "action": "draft"})
    check_page(resp, 409)
    assert "Judging is not open for this contest." in page(resp).text
    assert sheet(app, "ben@example.org", entry_id) is None


def judges_of(app, entry_id: int) -> list[str]:
    with app.app_context():
        found = sorted(db.session.scalars(select(User.email).join(Assignment, Assignment.judge_id == User.id)
                                          .where(Assignment.entry_id == entry_id)))
        db.session.remove()
    return found


def table_rows(html: str, heading_id: str) -> list[str]:
    """The rows of the table after a heading."""
    start = html.index(f'id="{heading_id}"')
    table = html[html.index("<tbody>", start):html.index("</tbody>", start)]
    return table.split("<tr>")[1:]


def test_the_organiser_follows_progress_and_the_ranking(app, site, boss, contest, panel):
    ann = panel["ann"]
    first = sorted(my_entries(ann), key=lambda t: contest[t])[0]
    assert submit(ann, entry_url(contest[first]), data={"scores.impact": "5", "action": "draft"}).status_code == 303
    resp = boss.get(OVERVIEW)
    check_page(resp)
    doc = page(resp)
    assert "Not started yet: ben, cat" in doc.text
    states = {row.split("<br>")[0].split(">")[-1]: row for row in table_rows(doc.html, "judges-heading")}
    assert "In progress" in states["ann"] and "<strong>Not started</strong>" in states["ben"]
    assert "Frailty 2 4 1 0" in doc.text and "Finance 2 4 0 0" in doc.text  # entries, assigned, drafts, submitted
    assert "No submitted scores in this category yet." in doc.text

    given = {"Walk": (9, 5), "Grip": (3, 2), "Pension": (6, 3), "Savings": (6, 3)}
    harsh_and_lenient = judges_of(app, contest["Grip"])
    for name, client in panel.items():
        for title in my_entries(client):
            impact, feasibility = given[title]
            if title == "Grip" and f"{name}@example.org" == harsh_and_lenient[-1]:
                impact, feasibility = 10, 5  # Grip's two judges disagree strongly
            resp = submit(client, entry_url(contest[title]), data={
                "scores.impact": str(impact), "scores.feasibility": str(feasibility), "action": "submit"})
            assert resp.status_code == 303
    resp = boss.get(OVERVIEW)
    check_page(resp)
    doc = page(resp)
    assert "Not started yet" not in doc.text and "Frailty 2 4 0 4" in doc.text
    assert all("Done" in row for row in table_rows(doc.html, "judges-heading"))
    assert "Each entry's score is the mean of its judges' weighted totals" in doc.text
    frailty = table_rows(doc.html, "ranking-frailty")
    assert ["Walk" in frailty[0], "Grip" in frailty[1]] == [True, True]
    assert ">9.40<" in frailty[0] and ">Agree<" in frailty[0]
    assert ">6.40<" in frailty[1] and "Judges disagree" in frailty[1] and ">5.09<" in frailty[1]  # the spread
    finance = table_rows(doc.html, "ranking-finance")
    assert len(finance) == 2 and all("(tied)" in row for row in finance)


def test_the_reminder_button_mails_only_judges_with_work_left(app, site, boss, contest, panel, mailbox,
                                                                redis_client):
    for title in my_entries(panel["cat"]):  # Cat is done; Ann and Ben are not
        url = entry_url(contest[title])
        assert submit(panel["cat"], url, data={"scores.impact": "5", "scores.feasibility": "3",
                                               "action": "submit"}).status_code == 303
    before = {email: len(mailbox.messages(email)) for email in JUDGES}
    resp = submit(boss, OVERVIEW, f"{OVERVIEW}/reminders")
    assert resp.status_code == 303 and resp.headers["Location"] == f"{OVERVIEW}#reminders"
    assert "Reminders are being mailed" in page(boss.get(OVERVIEW)).text
    assert Queue("default", connection=redis_client).count == 1
    with site.app_context():
        run_worker(["default"], burst=True)
    got = {email: mailbox.messages(email)[before[email]:] for email in JUDGES}
    assert [len(got[e]) for e in JUDGES] == [1, 1, 0]
    body = got["ben@example.org"][0].get_body(("plain",)).get_content()
    assert "not started yet" in body and "http://localhost/judging/" in body

    # Pressed again the same day: the job runs again, and nobody is mailed twice.
    assert submit(boss, OVERVIEW, f"{OVERVIEW}/reminders").status_code == 303
    with site.app_context():
        run_worker(["default"], burst=True)
    assert [len(mailbox.messages(e)) - before[e] for e in JUDGES] == [1, 1, 0]


def test_without_redis_the_reminders_are_not_queued(site, boss, panel, monkeypatch):
    import redis

    def unreachable(contest_id):
        raise redis.ConnectionError("down")

    monkeypatch.setattr("judging.jobs.enqueue_reminders", unreachable)
    assert submit(boss, OVERVIEW, f"{OVERVIEW}/reminders").status_code == 303
    assert "The reminders could not be queued" in page(boss.get(OVERVIEW)).text


def test_a_photo_entry_shows_its_image(app, site, make):
    from io import BytesIO

    from PIL import Image

    boss = make.organiser(ORGANISER)
    make.contest(slug="photos", kind="photo", title="Photos", categories=[{"slug": "c1", "title": "Ageing"}],
                 phases={"submission": window(-20, -10), "voting": window(-9, -5), "judging": window(-1, 5)},
                 judging={"judges_per_entry": 1, "criteria": [{"key": "overall", "label": "Overall"}]})
    image = BytesIO()
    Image.new("RGB", (8, 6), "green").save(image, "PNG")
    entry_id = add_entry(app, "photos", boss.id, image=image.getvalue(), title="Sunrise", team="Ana",
                         alt_text="The sun rises over green hills")
    make.user("juror@example.org")
    organiser = signed_in(site, ORGANISER)
    overview = "/organiser/contests/photos/judging"
    assert submit(organiser, overview, f"{overview}/judges", email="juror@example.org",
                  display_name="Juror").status_code == 303
    assert submit(organiser, overview, f"{overview}/assignments").status_code == 303
    juror = signed_in(site, "juror@example.org")
    resp = juror.get(f"/judging/photos/entries/{entry_id}")
    check_page(resp)
    (img,) = page(resp).find("img")
    assert img["src"].startswith(f"/media/entries/{entry_id}/display-")
    assert img["alt"] == "The sun rises over green hills"
    assert "100% of the total" in page(resp).text
    with app.app_context():  # a criterion's guidance, where the round's rubric has some
        rnd = db.session.scalar(select(Round))
        rnd.criteria = [{**rnd.criteria[0], "guidance": "Light, composition, story."}]
        db.session.commit()
        db.session.remove()
    doc = page(juror.get(f"/judging/photos/entries/{entry_id}"))
    (control,) = doc.find("input", id="score-overall")
    assert control["aria-describedby"] == "score-overall-hint score-overall-guidance"
    assert "Light, composition, story." in doc.text


def test_big_contests_stay_under_the_page_budget(app, site, make):
    """A hackathon of 120 entries in four areas, ten judges, three an entry:
    the organiser's page (ranking included) and a judge's list stay under 100 KB."""
    boss = make.organiser(ORGANISER)
    areas = [{"slug": f"area{i}", "title": f"Challenge area {i}: technology for healthy ageing"} for i in range(4)]
    make.contest(slug=SLUG, kind="hackathon", title="Ageing Better with ICTs", categories=areas,
                 phases={"submission": window(-20, -10), "judging": window(-1, 5)},
                 judging={"criteria": CRITERIA + [{"key": f"c{i}", "label": f"Criterion {i}"} for i in range(6)],
                          "judges_per_entry": 3})
    ids = [add_entry(app, SLUG, boss.id, category=f"area{i % 4}", title=f"Team project number {i} with a long name",
                     summary="S" * 2000) for i in range(120)]
    emails = [f"judge{i}@example.org" for i in range(10)]
    for email in emails:
        make.user(email)
    organiser = signed_in(site, ORGANISER)
    for email in emails:
        assert add_judge(organiser, email, organisation=f"Organisation {email}").status_code == 303
    assert submit(organiser, OVERVIEW, f"{OVERVIEW}/assignments").status_code == 303
    judge = signed_in(site, emails[0])
    for entry_id in sorted(assigned(app, emails[0]))[:5]:
        scores = {"scores.impact": "5", "scores.feasibility": "3"} | {f"scores.c{i}": "6" for i in range(6)}
        assert submit(judge, entry_url(entry_id), data={**scores, "action": "submit"}).status_code == 303
    with app.app_context():  # every sheet submitted, so the ranking lists all 120 entries
        for a in db.session.scalars(select(Assignment)):
            if a.sheet is None:
                db.session.add(ScoreSheet(assignment_id=a.id, status="submitted", scores={
                    "impact": 5 + a.entry_id % 5, "feasibility": 3} | {f"c{i}": 6 for i in range(6)}))
        db.session.commit()
        db.session.remove()
    check_page(organiser.get(OVERVIEW))
    check_page(judge.get("/judging/"))
    check_page(judge.get(entry_url(sorted(assigned(app, emails[0]))[-1])))
    assert len(ids) == 120
