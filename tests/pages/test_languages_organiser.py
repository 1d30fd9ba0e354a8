"""The organiser's audit log and invalidation report in each of the six
languages: rendered with `lang`/`dir`, their tables inside a focusable, named
region (so at 320 px a table scrolls in its own box, never the page), the
contest's and categories' titles as the SPEC translates them, and every
column header a word, not a lone symbol: axe cannot decide the contrast of a
lone "№" (it takes it for an icon), which is how the Russian audit log's
"No." column failed ("Entry no." now, for every language)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tests.pages.support import page, sign_in
from voting.audit import services as audit
from voting.contests.services import get_contest
from voting.extensions import db

SLUG = "wsis-prizes-test"
ORGANISER = "organiser@example.org"
TRANSLATIONS = {"fr": {"title": "Prix du SMSI (essai)", "categories": {"c1": {"title": "C1 Le rôle des pouvoirs"}}},
                "ru": {"title": "Премии ВВУИО (проба)", "categories": {"c1": {"title": "C1 Роль органов власти"}}}}
LANGS = {"en": "ltr", "ar": "rtl", "fr": "ltr", "ru": "ltr", "es": "ltr", "zh": "ltr"}


@pytest.fixture
def boss(app, make, client):
    make.contest(translations=TRANSLATIONS)
    make.organiser(ORGANISER)
    with app.app_context():
        audit.append(get_contest(SLUG), None, "fraud_sweep", "contest", {"held": 0, "flagged": 0},
                     datetime.now(timezone.utc))
        db.session.commit()
    sign_in(client, ORGANISER)
    return client


def headers(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html)]


@pytest.mark.parametrize("lang", LANGS)
def test_audit_and_report_pages_in_each_language(boss, lang):
    for path in (f"/organiser/contests/{SLUG}/audit", f"/organiser/contests/{SLUG}/report"):
        resp = boss.get(f"{path}?lang={lang}")
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        doc = page(resp)
        root = next(attrs for tag, attrs in doc.elements if tag == "html")
        assert root["lang"].startswith(lang) and root["dir"] == LANGS[lang], (path, root)
        tables = html.count("<table")
        assert tables and html.count('<div class="table-wrap" role="region"') == tables, path
        cols = headers(html)
        assert cols, path
        for text in cols:  # a word, which axe can read, not a symbol standing alone
            assert len(re.findall(r"\w", text)) >= 2, (lang, path, text)


def test_the_report_shows_the_specs_translations(boss):
    french = page(boss.get(f"/organiser/contests/{SLUG}/report?lang=fr")).text
    assert "Prix du SMSI (essai)" in french and "C1 Le rôle des pouvoirs" in french
    russian = page(boss.get(f"/organiser/contests/{SLUG}/report?lang=ru")).text
    assert "Премии ВВУИО (проба)" in russian and "C1 Роль органов власти" in russian
    # A category the SPEC does not translate keeps its own title.
    assert "C2 Information and communication infrastructure" in russian
