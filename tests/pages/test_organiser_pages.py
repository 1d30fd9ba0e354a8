from __future__ import annotations

import io
import json

from tests.pages.support import add_entry, entry_status, page, sign_in, submit
from tests.support.factories import spec


def test_dashboard_is_for_organisers_only(client, make):
    resp = client.get("/organiser/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=/organiser/")
    make.user("ada@example.org")
    sign_in(client, "ada@example.org")
    resp = client.get("/organiser/")
    assert resp.status_code == 403
    assert "Only organisers can do this." in page(resp).text


def test_dashboard_lists_contests_with_counts(app, client, make):
    organiser = make.organiser()
    voter = make.user("ada@example.org")
    make.contest(phases={"submission": spec()["phases"]["voting"]})  # entries open now
    add_entry(app, "wsis-prizes-test", organiser.id, title="Approved one")
    add_entry(app, "wsis-prizes-test", voter.id, title="Waiting one")
    add_entry(app, "wsis-prizes-test", voter.id, category="c2", title="Waiting two")
    sign_in(client, organiser.email)

    doc = page(client.get("/organiser/"))
    row = doc.html[doc.html.index("<tbody>"):doc.html.index("</tbody>")]
    cells = [c.split("<")[0] for c in row.split('<td class="num">')[1:]]
    assert cells[:2] == ["2", "1"]  # categories, approved
    assert 'href="#pending-wsis-prizes-test">2</a>' in row
    assert "Open for entries" in row
    assert (4, "Waiting one") in doc.headings and (4, "Waiting two") in doc.headings
    assert "Approved one" not in [title for _, title in doc.headings]


def test_create_a_contest_from_pasted_json(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    body = spec(slug="photo-2021", title="WSIS Photo Contest 2021", kind="photo")
    resp = submit(client, "/organiser/", "/organiser/contests", spec=json.dumps(body))
    assert resp.status_code == 303
    doc = page(client.get("/organiser/"))
    assert "The contest “WSIS Photo Contest 2021” was created." in doc.text
    assert doc.find("a", href="/contests/photo-2021")
    assert client.get("/api/v1/contests/photo-2021").get_json()["kind"] == "photo"


def test_create_a_contest_from_an_uploaded_file(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    upload = (io.BytesIO(json.dumps(spec(slug="hack-2021", kind="hackathon", phases={})).encode()), "hack.json")
    resp = submit(client, "/organiser/", "/organiser/contests", data={"spec_file": upload})
    assert resp.status_code == 303, page(resp).text
    assert client.get("/api/v1/contests/hack-2021").status_code == 200


def test_a_bad_spec_shows_every_problem_by_path(client, make):
    make.organiser()
    sign_in(client, "organiser@example.org")
    bad = spec(slug="Not A Slug", categories=[{"slug": "c1"}], voting={"method": "sometimes"})
    resp = submit(client, "/organiser/", "/organiser/contests", spec=json.dumps(bad))
    assert resp.status_code == 422
    doc = page(resp)
    assert "The contest SPEC has problems; nothing was changed." in doc.text
    for path in ("slug", "categories.0.title", "voting.method"):
        assert f"{path}: " in doc.text
    (textarea,) = doc.find("textarea", id="spec")
    assert textarea["aria-invalid"] == "true" and "spec-error" in textarea["aria-describedby"]
    assert "Not A Slug" in doc.html  # the SPEC stays in the field for correcting
    assert client.get("/api/v1/contests").get_json()["contests"] == []


def test_invalid_json_and_a_taken_slug(client, make):
    make.organiser()
    make.contest()
    sign_in(client, "organiser@example.org")
    resp = submit(client, "/organiser/", "/organiser/contests", spec='{"slug": ')
    assert resp.status_code == 422
    assert "This is not valid JSON" in page(resp).text and "line 1" in page(resp).text
    resp = submit(client, "/organiser/", "/organiser/contests", spec=json.dumps(spec()))
    assert resp.status_code == 409
    assert "slug: is already taken" in page(resp).text


def test_moderation_approves_and_rejects(app, client, make):
    organiser = make.organiser()
    voter = make.user("ada@example.org")
    make.contest(phases={"submission": spec()["phases"]["voting"]})
    good = add_entry(app, "wsis-prizes-test", voter.id, title="Good project")
    spam = add_entry(app, "wsis-prizes-test", voter.id, title="Spam project")
    assert "Good project" not in page(client.get("/contests/wsis-prizes-test")).text
    sign_in(client, organiser.email)

    action = f"/organiser/contests/wsis-prizes-test/entries/{good}/moderation"
    resp = submit(client, "/organiser/", action, status="approved")
    assert resp.status_code == 303
    assert entry_status(app, good) == "approved"
    assert "“Good project” is approved and now public." in page(client.get("/organiser/")).text

    resp = submit(client, "/organiser/", f"/organiser/contests/wsis-prizes-test/entries/{spam}/moderation",
                  status="rejected")
    assert resp.status_code == 303 and entry_status(app, spam) == "rejected"

    assert "No entries are waiting." in page(client.get("/organiser/")).text
    text = page(client.get("/contests/wsis-prizes-test")).text
    assert "Good project" in text and "Spam project" not in text


def test_moderation_of_an_unknown_entry_is_404(client, make):
    make.organiser()
    make.contest()
    sign_in(client, "organiser@example.org")
    token = page(client.get("/organiser/")).form("/organiser/contests")["fields"]["csrf_token"]
    resp = client.post("/organiser/contests/wsis-prizes-test/entries/999/moderation",
                       data={"csrf_token": token, "status": "approved"})
    assert resp.status_code == 404
