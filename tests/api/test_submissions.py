"""Participants' submissions end to end: drafts, submitting, editing until
the phase closes, withdrawing, the per-person limit (also under a concurrent
double submit), the rate limit, over-long summaries, moderation with its
mails (changes requested, then resubmitted), eligibility for organisers, and
the CSV import with bad rows and all-or-nothing. Phase windows are set
relative to now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.api import Api, assert_error, organiser_api
from tests.support.threads import run_together
from tests.support.factories import PASSWORD, iso, spec
from voting.submissions.domain import flow

SLUG = "wsis-prizes-test"
URL = f"/api/v1/contests/{SLUG}"


def window(start_days: float, end_days: float) -> dict:
    now = datetime.now(timezone.utc)
    return {"opens_at": iso(now + timedelta(days=start_days)), "closes_at": iso(now + timedelta(days=end_days))}


IN_SUBMISSION = {"submission": window(-1, 5), "voting": window(6, 10)}
PROJECT = {"category": "c1", "title": "Digital Estonia", "summary": "e-government for all",
           "organisation": "RIA", "country": "EE", "links": ["https://e-estonia.com"]}


@pytest.fixture
def organiser(app, make) -> Api:
    return organiser_api(app, make)


def signed_in(app, make, email: str = "team@example.org", verified: bool = True) -> Api:
    make.user(email, verified=verified, name=email.split("@")[0].title())
    api = Api(app.test_client())
    api.login(email, PASSWORD)
    return api


@pytest.fixture
def participant(app, make) -> Api:
    return signed_in(app, make)


def open_contest(organiser: Api, **overrides) -> dict:
    body = spec(phases=IN_SUBMISSION, **overrides)
    resp = organiser.post("/api/v1/contests", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def close_submissions(organiser: Api, slug: str = SLUG) -> None:
    now = datetime.now(timezone.utc)
    resp = organiser.patch(f"/api/v1/contests/{slug}", json={"phases": {"submission": {
        "opens_at": iso(now - timedelta(days=2)), "closes_at": iso(now - timedelta(seconds=1))}}})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["phase"] == "closed"


def post(api: Api, body: dict, slug: str = SLUG):
    return api.post(f"/api/v1/contests/{slug}/entries", json=body)


def created(resp) -> dict:
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def everything(organiser: Api, slug: str = SLUG) -> list[dict]:
    resp = organiser.get(f"/api/v1/contests/{slug}/entries?status=all")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["entries"]


def mine(api: Api) -> list[dict]:
    resp = api.get("/api/v1/me/entries")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["entries"]


def audit_actions(organiser: Api, slug: str = SLUG) -> list[tuple[str, str | None, str | None]]:
    entries = organiser.get(f"/api/v1/contests/{slug}/audit").get_json()["entries"]
    found = []
    for e in entries:
        if e["action"].startswith("entry."):
            after = e["details"]["after"]
            found.append((e["action"], e["details"]["before"], after["status"] if isinstance(after, dict) else after))
    return found


# --- drafts, submitting, editing, withdrawing ----------------------------------------------------------------

def test_a_draft_is_the_entrants_alone_until_submitted(client, organiser, participant):
    open_contest(organiser)
    draft = created(post(participant, {**PROJECT, "draft": True}))
    assert draft["status"] == "draft" and draft["links"] == ["https://e-estonia.com"]
    assert everything(organiser) == []  # organisers moderate what is submitted
    assert client.get(f"{URL}/entries").get_json() == {"entries": []}
    assert_error(organiser.get(f"{URL}/entries/{draft['id']}"), 404, "not_found")
    assert_error(client.get(f"{URL}/entries/{draft['id']}"), 404, "not_found")
    (listed,) = mine(participant)
    assert listed["status"] == "draft" and listed["submitted_at"] is None and listed["contest"] == SLUG

    resp = participant.post(f"{URL}/entries/{draft['id']}/submit")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "pending" and resp.get_json()["submitted_at"]
    assert_error(participant.post(f"{URL}/entries/{draft['id']}/submit"), 409, "already_submitted")
    assert [e["title"] for e in everything(organiser)] == ["Digital Estonia"]
    assert audit_actions(organiser) == [("entry.added", None, "draft"), ("entry.submitted", "draft", "pending")]


def test_the_entrant_edits_until_the_phase_closes(organiser, participant):
    open_contest(organiser)
    entry = created(post(participant, PROJECT))
    resp = participant.patch(f"{URL}/entries/{entry['id']}", json={"title": " Digital Estonia 2 ", "country": "sn",
                                                                   "links": []})
    assert resp.status_code == 200, resp.get_json()
    edited = resp.get_json()
    assert (edited["title"], edited["country"], edited["links"], edited["status"]) == (
        "Digital Estonia 2", "SN", [], "pending")
    assert edited["summary"] == PROJECT["summary"]  # what the edit does not name stays

    close_submissions(organiser)
    assert_error(participant.patch(f"{URL}/entries/{entry['id']}", json={"title": "Too late"}), 409, "phase_closed")
    assert_error(participant.post(f"{URL}/entries/{entry['id']}/withdraw"), 409, "phase_closed")
    assert_error(post(participant, PROJECT), 409, "phase_closed")
    assert [e["title"] for e in mine(participant)] == ["Digital Estonia 2"]


def test_an_approved_entry_edited_goes_back_to_moderation(client, organiser, participant):
    open_contest(organiser)
    entry = created(post(participant, PROJECT))
    assert organiser.post(f"{URL}/entries/{entry['id']}/moderation", json={"status": "approved"}).status_code == 200
    assert [e["title"] for e in client.get(f"{URL}/entries").get_json()["entries"]] == ["Digital Estonia"]
    resp = participant.patch(f"{URL}/entries/{entry['id']}", json={"summary": "Something else entirely"})
    assert resp.get_json()["status"] == "pending"
    assert client.get(f"{URL}/entries").get_json() == {"entries": []}  # nobody has read the new text yet
    # An edit that changes nothing changes no status.
    assert participant.patch(f"{URL}/entries/{entry['id']}", json={}).get_json()["status"] == "pending"


def test_only_the_entrant_edits_and_only_what_may_change(app, make, organiser, participant):
    open_contest(organiser)
    entry = created(post(participant, PROJECT))
    other = signed_in(app, make, "other@example.org")
    for api in (other, organiser):
        assert_error(api.patch(f"{URL}/entries/{entry['id']}", json={"title": "Mine now"}), 403, "forbidden")
        assert_error(api.post(f"{URL}/entries/{entry['id']}/withdraw"), 403, "forbidden")
    err = assert_error(participant.patch(f"{URL}/entries/{entry['id']}",
                                         json={"title": "", "status": "approved", "links": ["ftp://x.org"],
                                               "submit": "maybe"}), 422, "validation_error")
    assert set(err["fields"]) == {"submit"}
    err = assert_error(participant.patch(f"{URL}/entries/{entry['id']}",
                                         json={"title": "", "status": "approved", "links": ["ftp://x.org"]}),
                       422, "validation_error")
    assert set(err["fields"]) == {"title", "status", "links.0"}
    assert_error(participant.patch(f"{URL}/entries/999999", json={"title": "x"}), 404, "not_found")
    assert organiser.post(f"{URL}/entries/{entry['id']}/moderation",
                          json={"status": "rejected", "reason": "Out of scope"}).status_code == 200
    assert_error(participant.patch(f"{URL}/entries/{entry['id']}", json={"title": "Again"}), 409, "conflict")
    assert_error(participant.post(f"{URL}/entries/{entry['id']}/withdraw"), 409, "conflict")
    assert mine(participant)[0]["title"] == "Digital Estonia"


def test_withdrawn_entries_leave_every_list(client, organiser, participant):
    open_contest(organiser)
    entry = created(post(participant, PROJECT))
    resp = participant.post(f"{URL}/entries/{entry['id']}/withdraw")
    assert resp.status_code == 200 and resp.get_json()["status"] == "withdrawn"
    assert client.get(f"{URL}/entries").get_json() == {"entries": []}
    assert organiser.get(f"{URL}/entries?status=pending").get_json() == {"entries": []}
    assert [e["status"] for e in everything(organiser)] == ["withdrawn"]
    assert_error(participant.post(f"{URL}/entries/{entry['id']}/withdraw"), 409, "conflict")
    assert_error(participant.post(f"{URL}/entries/{entry['id']}/submit"), 409, "conflict")
    assert_error(organiser.post(f"{URL}/entries/{entry['id']}/moderation", json={"status": "approved"}),
                 409, "conflict")


def test_my_entries_needs_an_account(client):
    assert_error(client.get("/api/v1/me/entries"), 401, "login_required")


def test_unverified_accounts_submit_nothing(app, make, organiser):
    open_contest(organiser)
    unverified = signed_in(app, make, "new@example.org", verified=False)
    assert_error(post(unverified, {**PROJECT, "draft": True}), 403, "email_unverified")
    assert everything(organiser) == []


# --- bad input: over-long summaries, links, flags ------------------------------------------------------------

def test_an_over_long_summary_is_refused_and_nothing_stored(organiser, participant):
    open_contest(organiser)  # a prize: 200 words at most
    for summary in ("word " * 201, "字" * 201):
        err = assert_error(post(participant, {**PROJECT, "summary": summary}), 422, "validation_error")
        assert err["fields"] == {"summary": "must be at most 200 words (it has 201)"}
    assert mine(participant) == []
    entry = created(post(participant, {**PROJECT, "summary": "word " * 200}))
    err = assert_error(participant.patch(f"{URL}/entries/{entry['id']}", json={"summary": "word " * 250}),
                       422, "validation_error")
    assert set(err["fields"]) == {"summary"}
    assert mine(participant)[0]["summary"] == ("word " * 200).strip()


def test_the_word_limit_is_the_contests(organiser, participant):
    open_contest(organiser, submissions={"summary_max_words": 5})
    assert_error(post(participant, {**PROJECT, "summary": "one two three four five six"}), 422, "validation_error")
    created(post(participant, {**PROJECT, "summary": "one two three four five"}))


@pytest.mark.parametrize("body, fields", [
    ({**PROJECT, "links": "https://a.org"}, {"links"}),
    ({**PROJECT, "links": [f"https://{i}.org" for i in range(6)]}, {"links"}),
    ({**PROJECT, "links": ["javascript:alert(1)", "https://ok.org", "https://u:p@bank.org"]}, {"links.0", "links.2"}),
    ({**PROJECT, "draft": "yes please"}, {"draft"}),
    ({**PROJECT, "team_id": "seven"}, {"team_id"}),
])
def test_bad_submissions_are_refused_by_field(organiser, participant, body, fields):
    open_contest(organiser)
    err = assert_error(post(participant, body), 422, "validation_error")
    assert set(err["fields"]) == fields
    assert mine(participant) == []


def test_an_unknown_team_is_not_found(organiser, participant):
    open_contest(organiser)
    assert_error(post(participant, {**PROJECT, "team_id": 4242}), 404, "not_found")
    assert mine(participant) == []


def test_an_entry_of_a_team(app, make, organiser, participant):
    from tests.support.teams import form_team, hackathon

    hackathon(make)
    team = form_team(participant)
    body = {"category": "frailty", "title": "Tablet club", "summary": "Tablets for care homes", "team": "Silver",
            "team_id": team["id"]}
    entry = created(post(participant, body, slug="hack"))
    (listed,) = mine(participant)
    assert listed["team_id"] == team["id"]
    assert_error(post(participant, {**body, "title": "Second"}, slug="hack"), 409, "limit_reached")
    assert_error(post(signed_in(app, make, "other@example.org"), body, slug="hack"), 403, "forbidden")
    # Moving the entry to another category is checked again; editing it in place is not a second entry.
    url = f"/api/v1/contests/hack/entries/{entry['id']}"
    assert participant.patch(url, json={"title": "Tablet club 2"}).status_code == 200
    assert participant.patch(url, json={"category": "finance"}).status_code == 200
    assert [e["category"] for e in mine(participant)] == ["finance"]


def test_without_the_teams_module_a_team_is_refused(monkeypatch, organiser, participant):
    from voting.submissions import services

    monkeypatch.setattr(services, "_team_rule", lambda: None)
    open_contest(organiser)
    err = assert_error(post(participant, {**PROJECT, "team_id": 1}), 422, "validation_error")
    assert set(err["fields"]) == {"team_id"}


# --- the per-person limit ------------------------------------------------------------------------------------

def test_the_per_person_limit(app, make, organiser, participant):
    open_contest(organiser, submissions={"max_per_person": 2})
    first = created(post(participant, PROJECT))
    created(post(participant, {**PROJECT, "title": "A draft counts too", "draft": True}))
    err = assert_error(post(participant, {**PROJECT, "title": "Third"}), 409, "limit_reached")
    assert "2 entries per person" in err["message"]
    assert [e["title"] for e in mine(participant)] == ["Digital Estonia", "A draft counts too"]
    # Each person has their own budget, and organisers have none.
    created(post(signed_in(app, make, "other@example.org"), PROJECT))
    for i in range(3):
        created(post(organiser, {**PROJECT, "title": f"Nominated {i}"}))
    # A rejected entry still counts; a withdrawn one does not.
    assert organiser.post(f"{URL}/entries/{first['id']}/moderation", json={"status": "rejected"}).status_code == 200
    assert_error(post(participant, {**PROJECT, "title": "Third"}), 409, "limit_reached")
    draft = [e for e in mine(participant) if e["status"] == "draft"][0]
    assert participant.post(f"{URL}/entries/{draft['id']}/withdraw").status_code == 200
    created(post(participant, {**PROJECT, "title": "Third"}))


def test_a_concurrent_double_submit_stays_within_the_limit(app, organiser, participant):
    open_contest(organiser, submissions={"max_per_person": 1})
    cookie = participant.client.get_cookie("session")

    def attempt(title):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        return client.post(f"{URL}/entries", json={**PROJECT, "title": title},
                           headers={"X-CSRFToken": participant.csrf}).status_code

    codes = run_together([lambda t=t: attempt(t) for t in ("One", "Two", "Three", "Four")])
    assert sorted(codes) == [201, 409, 409, 409]
    assert len(mine(participant)) == 1


# --- the rate limit ------------------------------------------------------------------------------------------

def test_submissions_are_rate_limited_per_account(app, make, organiser, participant):
    open_contest(organiser, submissions={"rate_limit": "3/hour"})
    assert_error(post(participant, {**PROJECT, "links": "nope"}), 422, "validation_error")  # refused: not counted
    draft = created(post(participant, {**PROJECT, "draft": True}))  # 1
    for i in range(4):  # saving a draft again costs nothing
        assert participant.patch(f"{URL}/entries/{draft['id']}", json={"title": f"Draft {i}"}).status_code == 200
    assert participant.post(f"{URL}/entries/{draft['id']}/submit").status_code == 200  # 2
    created(post(participant, {**PROJECT, "title": "Second"}))  # 3
    resp = post(participant, {**PROJECT, "title": "Third"})
    assert_error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) > 0
    assert_error(participant.patch(f"{URL}/entries/{draft['id']}", json={"title": "Edited"}), 429, "rate_limited")
    assert len(mine(participant)) == 2
    # Another account has its own budget; organisers are not limited.
    created(post(signed_in(app, make, "other@example.org"), PROJECT))
    for i in range(4):
        created(post(organiser, {**PROJECT, "title": f"Nominated {i}"}))


# --- moderation ----------------------------------------------------------------------------------------------

def test_moderation_mails_the_entrant_and_changes_are_resubmitted(client, organiser, participant, mailbox):
    open_contest(organiser)
    entry = created(post(participant, PROJECT))
    moderation = f"{URL}/entries/{entry['id']}/moderation"
    err = assert_error(organiser.post(moderation, json={"status": "changes_requested"}), 422, "validation_error")
    assert set(err["fields"]) == {"reason"}
    resp = organiser.post(moderation, json={"status": "changes_requested",
                                            "reason": "Please name your partner organisations."})
    assert resp.status_code == 200 and resp.get_json()["status"] == "changes_requested"
    (mail,) = mailbox.messages("team@example.org")
    assert "Changes are requested" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Please name your partner organisations." in body
    assert f"/contests/{SLUG}/entries/{entry['id']}/edit" in body

    (listed,) = mine(participant)
    assert listed["status"] == "changes_requested"
    assert listed["moderation_reason"] == "Please name your partner organisations."
    resp = participant.patch(f"{URL}/entries/{entry['id']}", json={"organisation": "RIA and partners"})
    assert resp.get_json()["status"] == "changes_requested"  # saved, not yet sent back
    resp = participant.patch(f"{URL}/entries/{entry['id']}", json={"summary": "Now with partners", "submit": True})
    assert resp.get_json()["status"] == "pending"

    assert organiser.post(moderation, json={"status": "approved"}).get_json()["status"] == "approved"
    assert [e["title"] for e in client.get(f"{URL}/entries").get_json()["entries"]] == ["Digital Estonia"]
    assert organiser.post(moderation, json={"status": "rejected", "reason": "Duplicate of entry 3"}
                          ).status_code == 200
    assert client.get(f"{URL}/entries").get_json() == {"entries": []}
    subjects = [m["Subject"] for m in mailbox.messages("team@example.org")]
    assert len(subjects) == 3 and "is approved" in subjects[1] and "was not accepted" in subjects[2]
    assert "Duplicate of entry 3" in mailbox.messages("team@example.org")[-1].get_body(("plain",)).get_content()
    assert mailbox.messages("boss@example.org") == []

    assert audit_actions(organiser) == [
        ("entry.added", None, "pending"), ("entry.moderated", "pending", "changes_requested"),
        ("entry.edited", "changes_requested", "changes_requested"), ("entry.edited", "changes_requested", "pending"),
        ("entry.moderated", "pending", "approved"), ("entry.moderated", "approved", "rejected")]
    reasons = [e["details"].get("reason") for e in organiser.get(f"{URL}/audit").get_json()["entries"]
               if e["action"] == "entry.moderated"]
    assert reasons == ["Please name your partner organisations.", "", "Duplicate of entry 3"]


def test_changes_are_asked_for_only_while_they_can_be_made(organiser, participant, mailbox):
    open_contest(organiser)
    entry = created(post(participant, PROJECT))
    draft = created(post(participant, {**PROJECT, "title": "Unfinished", "draft": True}))
    assert_error(organiser.post(f"{URL}/entries/{draft['id']}/moderation", json={"status": "approved"}),
                 409, "conflict")
    close_submissions(organiser)
    assert_error(organiser.post(f"{URL}/entries/{entry['id']}/moderation",
                                json={"status": "changes_requested", "reason": "More detail"}), 409, "phase_closed")
    assert organiser.post(f"{URL}/entries/{entry['id']}/moderation", json={"status": "approved"}).status_code == 200
    assert len(mailbox.messages("team@example.org")) == 1


def test_organisers_see_eligibility(app, make, client, organiser, participant):
    open_contest(organiser, submissions={"summary_max_words": 3})
    complete = created(post(participant, {**PROJECT, "summary": "Short and sweet"}))
    sparse = created(post(participant, {"category": "c2", "title": "Sparse"}))
    entries = {e["id"]: e for e in organiser.get(f"{URL}/entries?status=pending").get_json()["entries"]}
    assert entries[complete["id"]]["eligible"] is True
    assert [c["check"] for c in entries[complete["id"]]["eligibility"]] == [
        "within_phase", "required_fields", "summary_words"]
    missing = {c["check"]: c for c in entries[sparse["id"]]["eligibility"]}["required_fields"]
    assert missing == {"check": "required_fields", "ok": False,
                       "message": "Missing: summary, organisation, country."}
    assert entries[sparse["id"]]["eligible"] is False
    assert entries[sparse["id"]]["submitted_by"]["display_name"] == "Team"

    detail = organiser.get(f"{URL}/entries/{sparse['id']}").get_json()
    assert detail["eligible"] is False and detail["submitted_at"]
    assert participant.get(f"{URL}/entries/{sparse['id']}").get_json()["eligibility"]  # the entrant sees it too
    assert_error(client.get(f"{URL}/entries/{sparse['id']}"), 404, "not_found")  # pending: not public
    assert_error(signed_in(app, make, "nosy@example.org").get(f"{URL}/entries/{sparse['id']}"), 404, "not_found")
    organiser.post(f"{URL}/entries/{complete['id']}/moderation", json={"status": "approved"})
    public = client.get(f"{URL}/entries/{complete['id']}").get_json()
    assert "eligibility" not in public and public["status"] == "approved"
    assert public == client.get(f"{URL}/entries").get_json()["entries"][0]


# --- bulk import ---------------------------------------------------------------------------------------------

CSV = ("category,title,summary,organisation,country,links\r\n"
       "c1,Digital Estonia,e-government for all,RIA,EE,https://e-estonia.com\r\n"
       "c9,Nowhere,,,,\r\n"
       "c2,Smart Africa,,Smart Africa Secretariat,RW,\r\n"
       "c1,,,,XX,ftp://x\r\n"
       "c2,=HYPERLINK(\"http://evil.example\"),+1 and -2 @home,,,\r\n")


def import_csv(api: Api, body: bytes | str, query: str = "", content_type: str = "text/csv", slug: str = SLUG):
    data = body.encode() if isinstance(body, str) else body
    return api.post(f"/api/v1/contests/{slug}/entries/import{query}", data=data,
                    headers={"Content-Type": content_type})


def test_import_reports_every_bad_row_and_imports_the_rest(client, organiser):
    open_contest(organiser)
    resp = import_csv(organiser, CSV)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"imported": 3, "errors": [
        {"row": 2, "field": "category", "message": "is not a category of this contest"},  # row 1: under the header
        {"row": 4, "field": "title", "message": "is required"},
        {"row": 4, "field": "country", "message": "must be an ISO 3166-1 alpha-2 country code"},
        {"row": 4, "field": "links.0", "message": "must be an http:// or https:// address"}]}
    public = client.get(f"{URL}/entries").get_json()["entries"]
    assert [(e["title"], e["status"]) for e in public] == [
        ("Digital Estonia", "approved"), ("Smart Africa", "approved"),
        ('=HYPERLINK("http://evil.example")', "approved")]  # kept as text; the exports escape it
    assert public[0]["links"] == ["https://e-estonia.com"] and public[2]["summary"] == "+1 and -2 @home"
    (logged,) = [e for e in organiser.get(f"{URL}/audit").get_json()["entries"] if e["action"] == "entries.imported"]
    assert logged["details"]["imported"] == 3 and logged["details"]["failed_rows"] == [2, 4]
    assert logged["details"]["entry_ids"] == [e["id"] for e in public]


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(client, organiser):
    open_contest(organiser)
    err = assert_error(import_csv(organiser, CSV, "?all_or_nothing=true"), 422, "validation_error")
    assert err["fields"] == {"rows.2.category": "is not a category of this contest", "rows.4.title": "is required",
                             "rows.4.country": "must be an ISO 3166-1 alpha-2 country code",
                             "rows.4.links.0": "must be an http:// or https:// address"}
    assert everything(organiser) == []
    good = "category,title\nc1,One\nc2,Two\n"
    assert import_csv(organiser, good, "?all_or_nothing=true").get_json() == {"imported": 2, "errors": []}
    assert_error(import_csv(organiser, good, "?all_or_nothing=perhaps"), 422, "validation_error")


@pytest.mark.parametrize("body, fields", [
    ("category,title\nc1,Caf\u00e9\n".encode("latin-1"), {"body"}),
    ("category,title\nc1,Café\n".encode("utf-16"), {"body"}),
    (b"", {"body"}),
    (b"c1,Digital Estonia,RIA\n", {"header"}),
    (b"category,title,votes,status\nc1,T,100,approved\n", {"header.votes", "header.status"}),
    (b"title,summary\nT,S\n", {"header.category"}),
    (b"category,title,,3\n", {"header.COLUMN_3", "header.3"}),  # unnamed third column, and one named "3"
])
def test_files_that_cannot_be_read_import_nothing(organiser, body, fields):
    open_contest(organiser)
    err = assert_error(import_csv(organiser, body), 422, "validation_error")
    assert set(err["fields"]) == fields
    assert everything(organiser) == []


def test_rows_are_counted_from_the_one_under_the_header(client, organiser):
    """Blank rows above the header do not move the count, and a record spanning lines is one row, as a spreadsheet
    shows it (shared/API.md: `row` counts data rows from 1)."""
    open_contest(organiser)
    body = '\n\ncategory,title,summary\nc1,Good,"two\nlines"\nc1,,\n'
    assert import_csv(organiser, body).get_json()["errors"] == [{"row": 2, "field": "title", "message": "is required"}]
    (logged,) = [e for e in organiser.get(f"{URL}/audit").get_json()["entries"] if e["action"] == "entries.imported"]
    assert logged["details"]["failed_rows"] == [2]


def test_too_many_rows_or_bytes(monkeypatch, organiser):
    from voting.submissions import api
    from voting.submissions.domain import csvrows

    open_contest(organiser)
    monkeypatch.setattr(csvrows, "MAX_ROWS", 3)
    monkeypatch.setattr(csvrows.read, "__defaults__", (3,))
    err = assert_error(import_csv(organiser, "category,title\n" + "c1,T\n" * 4), 422, "validation_error")
    assert err["fields"] == {"body": "has more than 3 rows; split it into several files"}
    monkeypatch.setattr(api, "IMPORT_MAX_BYTES", 100)
    assert_error(import_csv(organiser, "category,title\n" + "c1,A title\n" * 20), 413, "payload_too_large")
    assert everything(organiser) == []


def test_import_takes_csv_from_organisers_only(organiser, participant):
    open_contest(organiser)
    assert_error(import_csv(organiser, CSV, content_type="application/json"), 415, "unsupported_media_type")
    assert_error(import_csv(organiser, CSV, content_type="text/plain"), 415, "unsupported_media_type")
    assert_error(import_csv(participant, CSV), 403, "forbidden")
    assert_error(import_csv(Api(participant.client.application.test_client()), CSV), 401, "login_required")
    assert_error(import_csv(organiser, CSV, slug="no-such-contest"), 404, "not_found")
    open_contest(organiser, slug="photos", kind="photo")
    err = assert_error(import_csv(organiser, CSV, slug="photos"), 422, "validation_error")
    assert set(err["fields"]) == {"body"}
    assert everything(organiser) == []


# --- the answers fit the OpenAPI document ---------------------------------------------------------------------

def test_entry_detail_documents_every_entry_field():
    from tests.api.test_openapi import DOC

    schemas = DOC["components"]["schemas"]
    entry, detail = schemas["Entry"], schemas["EntryDetail"]
    assert set(entry["properties"]) <= set(detail["properties"])
    assert set(entry["required"]) <= set(detail["required"])
    assert schemas["EntryStatus"]["enum"] == list(flow.STATUSES)


def test_live_answers_fit(client, organiser, participant):
    from tests.api.test_openapi import check_response

    open_contest(organiser, submissions={"max_per_person": 1})
    one = "/api/v1/contests/{slug}/entries/{entry_id}"
    resp = post(participant, {**PROJECT, "draft": True})
    check_response(resp, "/api/v1/contests/{slug}/entries", "post")
    entry_id = resp.get_json()["id"]
    check_response(post(participant, PROJECT), "/api/v1/contests/{slug}/entries", "post")  # 409 limit_reached
    check_response(participant.get(f"{URL}/entries/{entry_id}"), one, "get")
    check_response(client.get(f"{URL}/entries/{entry_id}"), one, "get")  # 404
    check_response(participant.patch(f"{URL}/entries/{entry_id}", json={"title": "Renamed"}), one, "patch")
    check_response(participant.post(f"{URL}/entries/{entry_id}/submit"), one + "/submit", "post")
    check_response(participant.post(f"{URL}/entries/{entry_id}/submit"), one + "/submit", "post")  # 409
    check_response(participant.get("/api/v1/me/entries"), "/api/v1/me/entries", "get")
    check_response(organiser.get(f"{URL}/entries?status=pending"), "/api/v1/contests/{slug}/entries", "get")
    check_response(organiser.post(f"{URL}/entries/{entry_id}/moderation",
                                  json={"status": "changes_requested", "reason": "More"}),
                   one + "/moderation", "post")
    check_response(participant.post(f"{URL}/entries/{entry_id}/withdraw"), one + "/withdraw", "post")
    check_response(organiser.post(f"{URL}/entries/{entry_id}/moderation", json={"status": "approved"}),
                   one + "/moderation", "post")  # 409: withdrawn
    check_response(import_csv(organiser, CSV), "/api/v1/contests/{slug}/entries/import", "post")
    check_response(import_csv(organiser, CSV, "?all_or_nothing=true"), "/api/v1/contests/{slug}/entries/import",
                   "post")
    check_response(import_csv(organiser, CSV, content_type="text/plain"), "/api/v1/contests/{slug}/entries/import",
                   "post")


def test_a_rate_limited_answer_fits(organiser, participant):
    from tests.api.test_openapi import check_response

    open_contest(organiser, submissions={"rate_limit": "1/hour"})
    created(post(participant, PROJECT))
    resp = post(participant, PROJECT)
    assert resp.status_code == 429
    check_response(resp, "/api/v1/contests/{slug}/entries", "post")


def test_one_line_fields_refuse_line_breaks_at_every_door(organiser, participant):
    """A title is a page heading and a mail subject: a line break there could forge a header."""
    open_contest(organiser)
    for body in ({"category": "c1", "title": "Digital\nBcc: victim@example.org"},
                 {"category": "c1", "title": "Fine", "organisation": "Acme\r\nInc"},
                 {"category": "c1", "title": "\u202eevil"}):
        err = assert_error(post(participant, body), 422, "validation_error")
        assert set(err["fields"]) & {"title", "organisation"}, err
    resp = organiser.client.post(f"{URL}/entries/import", data="category,title\nc1,\"two\nlines\"\n",
                                 content_type="text/csv", headers={"X-CSRFToken": organiser.csrf})
    assert resp.status_code == 200 and resp.get_json()["imported"] == 0
    assert resp.get_json()["errors"][0]["field"] == "title"
