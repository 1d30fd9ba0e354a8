"""Reading pages the way a browser without JavaScript would: parse the HTML,
fill in a form (hidden fields such as the CSRF token included) and submit it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from tests.support.factories import PASSWORD
from voting import clock
from voting.accounts.models import User
from voting.contests import entries, services
from voting.extensions import db
from voting.media import photos

CSS = Path(__file__).resolve().parents[2] / "voting" / "static" / "site.css"
FIELDS = {"input", "select", "textarea"}


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.forms: list[dict] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: list[str] | None = None
        self.text_parts: list[str] = []
        self.feed(html)
        self.text = " ".join(" ".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attrs))
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "method": attrs.get("method", "get"), "fields": {}})
        elif tag in FIELDS and self.forms and attrs.get("name") and attrs.get("type") not in {"submit", "file"}:
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value", ""))
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append((int(tag[1]), ""))
            self._heading = []

    def handle_endtag(self, tag):
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} and self._heading is not None:
            level, _ = self.headings[-1]
            self.headings[-1] = (level, " ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data):
        self.text_parts.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements
                if t == tag and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def form(self, action: str) -> dict:
        matches = [f for f in self.forms if f["action"].split("?")[0] == action]
        assert matches, f"no form posting to {action}: {[f['action'] for f in self.forms]}"
        return matches[0]


def page(resp) -> Page:
    assert resp.mimetype == "text/html", resp.mimetype
    return Page(resp.get_data(as_text=True))


def submit(client, url: str, action: str | None = None, *, query: str = "", data: dict | None = None, **fields):
    """GET `url`, fill the form that posts to `action` (default: the same path)
    with `fields` and POST it, keeping the form's own action (and its query)."""
    form = page(client.get(url)).form(action or url.split("?")[0])
    body = {**form["fields"], **fields, **(data or {})}
    return client.post(form["action"] + query, data=body)


def sign_in(client, email: str, password: str = PASSWORD):
    resp = submit(client, "/login", email=email, password=password)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    return resp


def add_entry(app, slug: str, user_id: int, image: bytes | None = None, alt_text: str = "A test photo", **fields):
    """An entry through the service, as the given user (organiser: approved; else pending)."""
    with app.app_context():
        contest = services.get_contest(slug)
        data = {"category": "c1", "title": "An entry", **fields}
        upload = photos.Upload.of(image, alt_text) if image is not None else None
        entry = entries.add_entry(contest, data, db.session.get(User, user_id), clock.now(), upload)
        entry_id = entry.id
        db.session.remove()
    return entry_id


def entry_status(app, entry_id: int) -> str:
    with app.app_context():
        status = entries.get_entry(entry_id).status
        db.session.remove()
    return status
