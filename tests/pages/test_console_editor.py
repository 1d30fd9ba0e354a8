"""The contest editor (voting/organiser/editor/): a new contest from a template per kind or from a copy, the
SPEC's export, the dashboard's links to it, and who may open any of it. The settings forms:
test_console_editor_settings.py."""

from __future__ import annotations

import json

import pytest

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.factories import spec

NEW = "/organiser/contests/new"
SETTINGS = "/organiser/contests/wsis-prizes-test/settings"


def contest(client, slug: str) -> dict:
    resp = client.get(f"/api/v1/contests/{slug}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_json()


@pytest.fixture
def organiser(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    return client


@pytest.mark.parametrize("template, kind, categories, policy, method, winners", [
    ("wsis-prize", "prize", 18, "jury_among_champions", "single", 1),
    ("hackathon", "hackathon", 2, "jury", "none", 1),
    ("shortlist", "prize", 1, "jury", "none", 1),
    ("photo", "photo", 1, "jury", "single", 3),
])
def test_each_template_makes_a_valid_draft_until_the_organiser_opens_it(organiser, app, template, kind, categories,
                                                                        policy, method, winners):
    resp = submit(organiser, NEW, start=template, slug="new-one", title="A new one")
    assert resp.status_code == 303 and resp.headers["Location"] == "/organiser/contests/new-one/settings"
    made = contest(organiser, "new-one")
    assert (made["kind"], len(made["categories"]), made["awards"]["policy"], made["voting"]["method"],
            made["awards"]["winners_per_category"]) == (kind, categories, policy, method, winners)
    assert made["phase"] == "draft" and made["judging"]["criteria"]
    doc = page(organiser.get("/organiser/contests/new-one/settings"))
    assert "The contest “A new one” was created." in doc.text
    visitor = app.test_client()
    assert "new-one" not in [c["slug"] for c in visitor.get("/api/v1/contests").get_json()["contests"]]
    assert visitor.get("/contests/new-one").status_code == 404
    # Only the first phase can be opened now (a later one would close it before it opens), after asking.
    assert [a["value"] for t, a in doc.elements if t == "button" and a.get("name") == "move"] == ["submission:open"]
    token = doc.form("/organiser/contests/new-one/settings/phases")["fields"]["csrf_token"]
    asked = organiser.post("/organiser/contests/new-one/settings/phases", data={"csrf_token": token,
                                                                               "move": "submission:open"})
    assert asked.status_code == 200 and contest(organiser, "new-one")["phase"] == "draft"
    assert "The contest becomes public: anyone can see its page." in page(asked).text
    resp = organiser.post("/organiser/contests/new-one/settings/phases",
                          data={"csrf_token": token, "move": "submission:open", "confirm": "1"})
    assert resp.status_code == 303 and contest(organiser, "new-one")["phase"] == "submission"
    assert "new-one" in [c["slug"] for c in visitor.get("/api/v1/contests").get_json()["contests"]]
    assert visitor.get("/contests/new-one").status_code == 200


def test_the_wsis_template_has_the_action_lines_and_champions_then_jury(organiser):
    submit(organiser, NEW, start="wsis-prize", slug="wsis-2027", title="WSIS Prizes 2027")
    made = contest(organiser, "wsis-2027")
    assert made["categories"][0]["title"].startswith("C1 The role of public governance")
    assert made["categories"][-1]["title"] == "C11 International and regional cooperation"
    assert made["awards"]["champions_per_category"] == 5 and set(made["phases"]) == {"submission", "voting", "judging"}


def test_clone_copies_the_rules_under_a_new_slug_and_clears_the_phases(organiser, make):
    make.contest(judging={"mode": "rubric", "criteria": [{"key": "impact", "label": "Impact", "weight": 2.0}]},
                 translations={"fr": {"title": "Prix SMSI", "categories": {"c1": {"title": "C1 fr"}}}})
    assert page(organiser.get(NEW)).find("option", value="wsis-prizes-test")  # one of the organiser's contests
    resp = submit(organiser, NEW, start="copy", source="wsis-prizes-test", slug="wsis-2028", title="WSIS 2028")
    assert resp.status_code == 303
    made, old = contest(organiser, "wsis-2028"), contest(organiser, "wsis-prizes-test")
    assert made["title"] == "WSIS 2028" and made["phases"] == {} and made["phase"] == "draft"
    assert [c["slug"] for c in made["categories"]] == [c["slug"] for c in old["categories"]]
    assert made["judging"] == old["judging"] and made["voting"] == old["voting"]
    assert made["translations"] == {"fr": {"categories": {"c1": {"title": "C1 fr"}}}}  # the old title's went


def test_clone_of_a_contest_one_does_not_manage_is_refused(client, make):
    make.contest()
    make.organiser("outsider@example.org", manages=False)
    sign_in(client, "outsider@example.org")
    form = page(client.get(NEW)).form(NEW)
    resp = client.post(NEW, data={**form["fields"], "start": "copy", "source": "wsis-prizes-test", "slug": "mine",
                                  "title": "Mine"})
    assert resp.status_code == 403
    assert client.get("/api/v1/contests/mine").status_code == 404


def test_new_contest_problems_beside_their_fields(organiser, make):
    make.contest()
    resp = submit(organiser, NEW, start="photo", slug="Not a slug", title="  ")
    assert resp.status_code == 422
    doc = page(resp)
    assert "Some fields have problems; nothing was saved." in doc.text
    (slug,) = doc.find("input", id="f-slug")
    assert slug["dir"] == "ltr" and doc.find("input", id="f-title")[0]["dir"] == "auto"
    assert slug["aria-invalid"] == "true" and "f-slug-error" in slug["aria-describedby"]
    assert doc.find("a", href="#f-slug") and doc.find("a", href="#f-title")
    assert "must be lower-case letters, digits and dashes" in doc.html[doc.html.index('id="f-slug-error"'):][:200]
    assert "Not a slug" in doc.html  # kept for correcting
    resp = submit(organiser, NEW, start="photo", slug="wsis-prizes-test", title="Taken")
    assert resp.status_code == 409 and "is already taken" in page(resp).text
    resp = submit(organiser, NEW, start="nothing", slug="fine", title="Fine")
    assert resp.status_code == 422 and "Choose a template or a contest to copy." in page(resp).text
    resp = submit(organiser, NEW, start="copy", source="", slug="fine", title="Fine")
    assert resp.status_code == 422 and "Choose the contest to copy." in page(resp).text
    assert organiser.get("/api/v1/contests/fine").status_code == 404


def test_export_downloads_the_whole_spec_and_it_imports_as_a_new_contest(organiser, make):
    make.contest(fraud={"countries": ["CH"]})
    resp = organiser.get(f"{SETTINGS}/spec.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="wsis-prizes-test-spec.json"'
    exported = json.loads(resp.get_data(as_text=True))
    shown = contest(organiser, "wsis-prizes-test")
    assert exported == {k: v for k, v in shown.items() if k not in ("phase", "next_change", "published_at")} | {
        "categories": [{k: v for k, v in c.items() if k != "entry_count"} for c in shown["categories"]]}
    assert exported["fraud"]["countries"] == ["CH"]
    assert page(organiser.get(SETTINGS)).find("a", href=f"{SETTINGS}/spec.json")
    resp = submit(organiser, "/organiser/", "/organiser/contests", spec=json.dumps({**exported, "slug": "again"}))
    assert resp.status_code == 303 and contest(organiser, "again")["fraud"]["countries"] == ["CH"]


def test_dashboard_links_to_the_editor_and_each_console(organiser, make):
    make.contest()
    doc = page(organiser.get("/organiser/"))
    assert doc.find("a", href=NEW)
    assert doc.find("a", href="/organiser/contests/wsis-prizes-test")  # the console's overview
    assert doc.find("a", href=SETTINGS)
    assert doc.find("a", href="/contests/wsis-prizes-test")  # the public page


def test_the_new_contest_link_is_for_contest_creators(client, make):
    made = make.contest()
    make.user("co@example.org", role="organiser", contest_id=made.id)
    sign_in(client, "co@example.org")
    assert not page(client.get("/organiser/")).find("a", href=NEW)
    assert client.get(NEW).status_code == 403


# --- who may: every editor page and post -----------------------------------------------------------------------

def _editor_requests(token: str):
    form = {"csrf_token": token}
    return [("get", NEW, None), ("post", NEW, {**form, "start": "photo", "slug": "x-1", "title": "X"}),
            ("get", SETTINGS, None), ("get", f"{SETTINGS}/spec.json", None),
            ("post", SETTINGS, {**form, "section": "general", "title": "Hijacked"}),
            ("post", f"{SETTINGS}/phases", {**form, "move": "voting:close"})]


def token(client) -> str:
    """The session's CSRF token, from the sign-in page's form (any page with a form would do)."""
    return page(client.get("/login")).form("/login")["fields"]["csrf_token"]


def test_another_contests_organiser_and_a_voter_get_403_everywhere(client, make):
    make.contest()
    other = make.contest(slug="other-contest")
    make.user("other@example.org", role="organiser", contest_id=other.id)
    make.user("voter@example.org")
    for email in ("other@example.org", "voter@example.org"):
        sign_in(client, email)
        for method, path, data in _editor_requests(token(client)):
            resp = getattr(client, method)(path, data=data)
            assert resp.status_code == 403, (email, method, path, resp.status_code)
        client.post("/logout", data={"csrf_token": token(client)})
    assert contest(client, "wsis-prizes-test")["title"] == "WSIS Prizes (test)"


def test_anonymous_callers_are_sent_to_sign_in(client, make):
    make.contest()
    for method, path, data in _editor_requests(token(client)):
        resp = getattr(client, method)(path, data=data)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next="), (method, path)


def test_an_organiser_of_the_contest_without_the_creator_role_edits_it(client, make):
    made = make.contest()
    make.user("co@example.org", role="organiser", contest_id=made.id)
    sign_in(client, "co@example.org")
    assert client.get(SETTINGS).status_code == 200
    resp = submit(client, SETTINGS, f"{SETTINGS}#section-general", section="general", title="Renamed by a co-organiser")
    assert resp.status_code == 303
    assert contest(client, "wsis-prizes-test")["title"] == "Renamed by a co-organiser"


def test_the_editors_pages_pass_the_page_checks(organiser, make):
    """Landmarks, one h1 and headings in order, labels, errors tied to fields, unique ids, under 100 KB: the
    WSIS template's 18 categories included, with and without problems."""
    make.contest()  # voting open: the locked fields too
    check_page(organiser.get(NEW))
    check_page(submit(organiser, NEW, start="photo", slug="Bad slug", title=""), 422)
    submit(organiser, NEW, start="wsis-prize", slug="wsis-2027", title="WSIS Prizes 2027")
    check_page(organiser.get("/organiser/contests/wsis-2027/settings"))
    check_page(organiser.get(SETTINGS))
    form = [f for f in page(organiser.get(SETTINGS)).forms if f["fields"].get("section") == "judging"][0]
    check_page(organiser.post(SETTINGS, data={**form["fields"], "judging.criteria.0.weight": "x",
                                              "judging.judges_per_entry": "0"}), 422)
    check_page(organiser.post(SETTINGS, data={**form["fields"], "add_rows": "judging"}))


def test_a_contest_to_copy_is_read_only_with_the_copy_option(organiser, make):
    make.contest()
    resp = submit(organiser, NEW, start="hackathon", source="wsis-prizes-test", slug="made", title="Made")
    assert resp.status_code == 422
    doc = page(resp)
    (select,) = doc.find("select", id="f-source")
    assert select["aria-invalid"] == "true" and "f-source-error" in select["aria-describedby"]
    assert "To copy this contest, choose “A copy of one of my contests” above." in doc.html[
        doc.html.index('id="f-source-error"'):][:300]
    assert doc.find("a", href="#f-source") and "checked" in doc.find("input", id="f-start-hackathon")[0]
    assert organiser.get("/api/v1/contests/made").status_code == 404  # neither a hackathon nor a copy was made
