"""The pages in each of the six languages: which language a request reads
(?lang=, its cookie, the account's, Accept-Language, the default), `<html lang>`
and `dir`, the switcher on every page, the account page and registration, mails
in the recipient's language, API errors, dates, the SPEC's own translations,
and the Arabic ballot page with no English left.

Expected words are asked of the catalogues themselves (gettext under the
language), so these tests hold whatever the translators wrote."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import select

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.support.factories import PASSWORD, iso
from tests.support.voting import open_contest
from voting.accounts.models import User
from voting.extensions import db
from voting.i18n import catalogues

SLUG = "wsis-prizes-test"
# ?lang= code → <html lang>, dir, the name the switcher gives it
LANGS = {"ar": ("ar", "rtl", "العربية"), "zh": ("zh-Hans", "ltr", "中文"), "en": ("en", "ltr", "English"),
         "fr": ("fr", "ltr", "Français"), "ru": ("ru", "ltr", "Русский"), "es": ("es", "ltr", "Español")}


def said(app, locale: str, text: str, **values) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(text, **values)


def html_lang(resp) -> tuple[str, str]:
    tag = page(resp).find("html")[0]
    return tag["lang"], tag["dir"]


def switcher(resp) -> list[dict]:
    doc = page(resp)
    return [attrs for tag, attrs in doc.elements if tag == "a" and "hreflang" in attrs]


@pytest.mark.parametrize("code", sorted(LANGS))
def test_each_language_sets_lang_dir_and_the_switcher(client, code):
    resp = client.get(f"/?lang={code}")
    check_page(resp)
    assert html_lang(resp) == LANGS[code][:2]
    links = switcher(resp)
    assert [link["lang"] for link in links] == ["ar", "zh-Hans", "en", "fr", "ru", "es"]
    text = page(resp).text
    assert all(name in text for _lang, _dir, name in LANGS.values())
    current = [link for link in links if link.get("aria-current") == "true"]
    assert len(current) == 1 and current[0]["lang"] == LANGS[code][0]
    assert all(link["href"].startswith("/?lang=") for link in links)
    assert f"lang={code if code != 'zh' else 'zh_Hans'}" in resp.headers["Set-Cookie"]
    # Remembered: the next page without ?lang= is in the same language.
    assert html_lang(client.get("/contests-that-do-not-exist")) == LANGS[code][:2]


def test_the_switcher_keeps_the_place_and_never_a_token(client):
    links = switcher(client.get("/verify?token=secret-token&page=2"))
    assert links and all("secret" not in link["href"] and "page=2" in link["href"] for link in links)


def test_accept_language_then_the_default(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "de-CH, fr;q=0.8, en;q=0.5"}))[0] == "fr"
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))[0] == "zh-Hans"
    assert html_lang(client.get("/", headers={"Accept-Language": "ar-EG"})) == ("ar", "rtl")
    assert html_lang(client.get("/", headers={"Accept-Language": "de, ja"}))[0] == "en"
    resp = client.get("/?lang=xx")
    assert html_lang(resp)[0] == "en" and "lang=" not in resp.headers.get("Set-Cookie", "")  # ignored, not kept


def test_the_account_page_sets_the_language_which_outranks_the_browser(app, client, make):
    make.user("ada@example.org")
    sign_in(client, "ada@example.org")
    doc = page(client.get("/account"))
    options = [attrs for tag, attrs in doc.elements if tag == "option"]
    assert [o["lang"] for o in options] == ["ar", "zh-Hans", "en", "fr", "ru", "es"]
    resp = submit(client, "/account", locale="ru")
    assert resp.status_code == 303 and "lang=ru" in resp.headers["Set-Cookie"]
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == "ada@example.org")) == "ru"
    client.delete_cookie("lang")
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"}))[0] == "ru"  # the account's, over the browser
    assert html_lang(client.get("/?lang=es"))[0] == "es"  # ?lang= over the account
    resp = submit(client, "/account", locale="klingon")
    check_page(resp, 422)


def test_registration_records_the_language_of_its_page(app, client):
    client.get("/register?lang=fr")
    resp = submit(client, "/register", email="ana@example.org", password=PASSWORD, display_name="Ana")
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == "ana@example.org")) == "fr"


def test_mails_speak_the_recipients_language(app, client, make, mailbox):
    make.user("ada@example.org")
    with app.app_context():
        db.session.scalar(select(User).where(User.email == "ada@example.org")).locale = "zh_Hans"
        db.session.commit()
    submit(client, "/forgot?lang=ar", email="ada@example.org")  # asked from an Arabic page: still Chinese
    mail = mailbox.messages("ada@example.org")[-1]
    assert mail["Content-Language"] == "zh-Hans"
    assert mail["Subject"] == said(app, "zh_Hans", "Reset your password")
    body = mail.get_body(("plain",)).get_content()
    assert said(app, "zh_Hans", "Someone asked to reset the password of your account. To choose a new password, "
                                "open:") in body


def test_api_errors_follow_the_same_choice(app, client):
    for headers, query, locale in (({}, "", "en"), ({"Accept-Language": "fr"}, "", "fr"), ({}, "?lang=ru", "ru"),
                                   ({"Accept-Language": "fr"}, "", "ru")):  # the last: ?lang= was remembered
        body = client.get(f"/api/v1/contests/no-such-contest{query}", headers=headers).get_json()
        assert body["error"]["message"] == said(app, locale, "No such contest."), locale
    assert said(app, "ru", "No such contest.") != "No such contest."  # the catalogue speaks


def test_dates_are_written_as_the_language_writes_them(app, client):
    open_contest(app)
    resp = client.get(f"/contests/{SLUG}?lang=fr")
    with app.app_context():
        from voting.contests.services import get_contest
        closes = get_contest(SLUG).voting_closes_at
    with app.test_request_context(), force_locale("fr"):
        assert format_date(closes, "long") in page(resp).text


TRANSLATED = {"ar": {"title": "جوائز القمة العالمية (اختبار)", "description": "جوائز مجتمع المعلومات.",
                     "categories": {"c1": {"title": "الحوكمة العامة"}, "c2": {"title": "البنية التحتية"}}},
              "fr": {"title": "Prix du SMSI (essai)", "categories": {"c1": {"title": "C1 Gouvernance publique",
                                                                             "description": "Les services publics."}}}}


def test_pages_show_the_contest_in_the_readers_language_with_a_fallback(app, client):
    _translated_contest(app)
    fr = page(client.get(f"/contests/{SLUG}?lang=fr")).text
    assert "Prix du SMSI (essai)" in fr and "C1 Gouvernance publique" in fr and "Les services publics." in fr
    assert "C2 Information and communication infrastructure" in fr  # no French title: the original
    es = page(client.get(f"/contests/{SLUG}?lang=es")).text
    assert "WSIS Prizes (test)" in es and "Prix du SMSI" not in es
    ar = page(client.get(f"/contests/{SLUG}/categories/c1?lang=ar")).text
    assert "الحوكمة العامة" in ar and "جوائز القمة العالمية (اختبار)" in ar
    body = client.get(f"/api/v1/contests/{SLUG}").get_json()
    assert body["translations"] == TRANSLATED


def _translated_contest(app):
    from tests.support.factories import make_contest, make_organiser
    with app.app_context():
        make_organiser()
        make_contest(translations=TRANSLATED)
        db.session.remove()


def test_the_word_count_has_a_sentence_per_plural_form(app, client, make):
    make.contest(phases={"submission": {"opens_at": iso(datetime.now(timezone.utc) - timedelta(days=1)),
                                        "closes_at": iso(datetime.now(timezone.utc) + timedelta(days=9))}})
    make.user("ada@example.org")
    sign_in(client, "ada@example.org")
    html = client.get(f"/contests/{SLUG}/entries/new?lang=ru").get_data(as_text=True)
    texts = re.search(r"data-texts='([^']*)'", html).group(1)
    assert all(f'"{form}"' in texts for form in ("one", "few", "many"))


# --- Arabic: the ballot page with no English left ------------------------------------------------------------

# The files whose messages the ballot page shows.
BALLOT_SOURCES = ("templates/base.html", "templates/ballots/ballot.html", "templates/macros/forms.html",
                  "voting/ballots/views.py", "voting/ballots/forms.py")


def english_of(sources: tuple[str, ...]) -> list[str]:
    """The English phrases of the messages those files use: each msgid cut at its placeholders,
    keeping the pieces of two words or more (a single word may be a name in any language)."""
    with catalogues.TEMPLATE.open("rb") as source:
        template = read_po(source)
    phrases = []
    for message in template:
        if message.id and any(path in sources for path, _line in message.locations):
            for msgid in message.id if isinstance(message.id, (list, tuple)) else [message.id]:
                for piece in re.split(r"%\(\w+\)[sd]|\{\w+\}", msgid):
                    if len(piece.split()) >= 2:
                        phrases.append(" ".join(piece.split()))
    return phrases


@pytest.mark.parametrize("method", ["single", "ranked"])
def test_the_arabic_ballot_page_has_no_english_left(app, client, make, method):
    slug, _ids = open_contest(app, method=method, max_choices=1)
    with app.app_context():
        from voting.contests.services import get_contest, update_contest
        update_contest(get_contest(slug), {"translations": TRANSLATED}, None, datetime.now(timezone.utc))
        db.session.remove()
    make.user("voter@example.org")
    sign_in(client, "voter@example.org")
    resp = client.get(f"/contests/{slug}/vote/c1?lang=ar")
    check_page(resp)
    assert html_lang(resp) == ("ar", "rtl")
    text = page(resp).text
    left = [phrase for phrase in english_of(BALLOT_SOURCES) if phrase in text]
    assert not left, f"English on the Arabic ballot page: {left[:10]}"
    assert "الحوكمة العامة" in text and "جوائز القمة العالمية" in text
