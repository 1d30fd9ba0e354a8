"""Public contest pages: the list of contests, a contest with its categories and
approved entries, and one category when a contest is too big for one page.

The views turn models into plain display values (labels translated, dates
formatted, paragraphs split) so templates only print them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import dates

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voting import clock
from voting.accounts import countries
from voting.auth import actor
from voting.contests import entries, gallery, services
from voting.contests.domain import phases, spec_translations
from voting.contests.access import public_contest
from voting.contests.models import Category, Contest, Entry
from voting.errors import ApiError, not_found
from voting.media import photos

bp = Blueprint("contest_pages", __name__)

OPEN_PHASES = {"submission", "voting", "judging"}
# Entries go on the contest page while their text stays well inside the
# 100 KB page budget; beyond it the page links to one page per category.
ENTRY_BYTES_ON_CONTEST_PAGE = 60_000
ENTRY_MARKUP_BYTES = 500

KINDS = {"prize": _l("Prize"), "hackathon": _l("Hackathon"), "photo": _l("Photo contest")}
PHASES = {"draft": _l("Not open yet"), "submission": _l("Open for entries"), "voting": _l("Voting open"),
          "judging": _l("Judging"), "closed": _l("Closed"), "published": _l("Results published")}
WINDOWS = {"submission": _l("Entries"), "voting": _l("Public vote"), "judging": _l("Judging")}
CHANGES = {
    ("submission", "opens"): _l("Entries open on %(when)s"),
    ("submission", "closes"): _l("Entries close on %(when)s"),
    ("voting", "opens"): _l("Voting opens on %(when)s"),
    ("voting", "closes"): _l("Voting closes on %(when)s"),
    ("judging", "opens"): _l("Judging opens on %(when)s"),
    ("judging", "closes"): _l("Judging closes on %(when)s"),
}


def when(moment: datetime, zone: str | None = None) -> str:
    """A moment for people: in UTC, or in a contest's own time zone (its SPEC's `timezone`), named."""
    if not zone or zone == "UTC":
        return _("%(date)s, %(time)s UTC", date=format_date(moment, "long"), time=format_time(moment, "short"))
    local, locale = moment.astimezone(ZoneInfo(zone)), str(get_locale() or "en")
    # Babel's own formatters: Flask-Babel's would turn the moment back into the app's zone (UTC).
    return _("%(date)s, %(time)s (%(zone)s)", date=dates.format_date(local.date(), "long", locale=locale),
             time=dates.format_time(local, "short", locale=locale), zone=zone)


def contest_zone(contest: Contest) -> str | None:
    """The time zone the contest's organisers set for its dates (None: UTC)."""
    zone = (contest.settings or {}).get("timezone")
    return zone if isinstance(zone, str) else None


def paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def next_change(contest: Contest, now: datetime) -> dict[str, str] | None:
    change = phases.next_change(contest.windows(), now)
    if change is None:
        return None
    return {"text": str(CHANGES[(change.phase, change.event)]) % {"when": when(change.at, contest_zone(contest))},
            "iso": change.at.isoformat()}


def contest_texts(contest: Contest) -> dict[str, str]:
    """The contest's title and description in the reader's language where its SPEC translates them."""
    return spec_translations.localise({"title": contest.title, "description": contest.description},
                                      contest.settings.get("translations"), str(get_locale() or "en"))


def category_texts(contest: Contest, category: Category) -> dict[str, str]:
    """A category's title and description in the reader's language where the SPEC translates them."""
    return spec_translations.localise({"title": category.title, "description": category.description},
                                      contest.settings.get("translations"), str(get_locale() or "en"),
                                      category.slug)


def describe_contest(contest: Contest, now: datetime) -> dict:
    """What every list of contests shows about one (its title in the reader's language)."""
    summary = services.contest_summary(contest, now)
    return {**summary, "title": contest_texts(contest)["title"],
            "url": url_for("contest_pages.contest", slug=contest.slug),
            "kind_label": str(KINDS.get(summary["kind"], summary["kind"])),
            "phase_label": str(PHASES.get(summary["phase"], summary["phase"])),
            "next": next_change(contest, now)}


def _home_group(card: dict) -> str | None:
    if card["phase"] in OPEN_PHASES:
        return "open"
    if card["phase"] != "published" and card["next"]:
        return "upcoming"  # before the first window, or in a gap between two
    if card["phase"] in {"closed", "published"}:
        return "finished"
    return None  # a draft without dates is not ready to be shown


@bp.get("/")
def home():
    now = clock.now()
    groups: dict[str, list[dict]] = {"open": [], "upcoming": [], "finished": []}
    for contest in services.visible_contests(actor(), now):
        card = describe_contest(contest, now)
        group = _home_group(card)
        if group:
            groups[group].append(card)
    sections = [{"id": key, "title": title, "contests": groups[key]}
                for key, title in (("open", _("Open now")), ("upcoming", _("Coming up")),
                                   ("finished", _("Finished")))
                if groups[key]]
    return render_template("contests/home.html", sections=sections)


def describe_entry(entry: Entry, locale: str, slug: str | None = None) -> dict:
    """What every page shows of an entry; with the contest's `slug`, the address of its own page too."""
    facts = [(_("Team"), entry.team), (_("Organisation"), entry.organisation),
             (_("Country"), countries.name(entry.country, locale) if entry.country else "")]
    return {"id": entry.id, "anchor": f"entry-{entry.id}", "title": entry.title,
            "url": url_for("contest_pages.entry", slug=slug, entry_id=entry.id) if slug else None,
            "facts": [(label, value) for label, value in facts if value],
            "summary": paragraphs(entry.summary), **describe_photo(entry)}


def describe_photo(entry: Entry) -> dict:
    """The image keys of an entry's display values: the display size's address and its alt text (the
    entrant's; photos from before alt text was asked for get one made of the title), the thumbnail, the
    srcset of every size made so far, and the display size's pixels so the page keeps its layout."""
    photo = entry.photo
    if photo is None:
        return {"image_url": None, "image_alt": "", "thumbnail_url": None, "srcset": "", "image_width": None,
                "image_height": None}
    alt = photo.alt_text or (_("Photo “%(title)s” by %(author)s", title=entry.title, author=entry.team)
                             if entry.team else _("Photo “%(title)s”", title=entry.title))
    width, height = photos.size_of(photo, "display")
    return {"image_url": photos.url(photo, "display"), "image_alt": alt,
            "thumbnail_url": photos.url(photo, "thumbnail") or photos.url(photo, "display"),
            "srcset": photos.srcset(photo), "image_width": width, "image_height": height}


def _dates(contest: Contest) -> list[dict]:
    zone = contest_zone(contest)
    return [{"label": str(WINDOWS[name]), "opens": when(window.opens_at, zone), "opens_iso": window.opens_at.isoformat(),
             "closes": when(window.closes_at, zone), "closes_iso": window.closes_at.isoformat()}
            for name, window in contest.windows().items() if window]


def _entry_count(count: int) -> str:
    return ngettext("%(num)d entry", "%(num)d entries", count)


def _describe_category(contest: Contest, category: Category, found: list[Entry], embed: bool, locale: str) -> dict:
    texts = category_texts(contest, category)
    return {"slug": category.slug, "anchor": f"category-{category.slug}", "title": texts["title"],
            "description": paragraphs(texts["description"]), "count": _entry_count(len(found)),
            "entries": [describe_entry(e, locale, contest.slug) for e in found] if embed else [],
            "url": None if embed or not found else url_for("contest_pages.category", slug=contest.slug,
                                                          category=category.slug)}


def _not_found(message: str):
    return render_template("error.html", title=_("Page not found"), message=message), 404


def _find(slug: str) -> Contest | None:
    try:
        return public_contest(slug, clock.now())
    except ApiError:
        return None


@bp.get("/contests/<slug>")
def contest(slug: str):
    found_contest = _find(slug)
    if found_contest is None:
        return _not_found(_("There is no contest at this address."))
    now, locale = clock.now(), str(get_locale() or "en")
    approved = entries.list_entries(found_contest)
    embed = sum(len(f"{e.title}{e.summary}{e.team}{e.organisation}".encode()) + ENTRY_MARKUP_BYTES
                for e in approved) <= ENTRY_BYTES_ON_CONTEST_PAGE
    categories = [_describe_category(found_contest, cat, [e for e in approved if e.category_id == cat.id],
                                     embed, locale)
                  for cat in found_contest.categories]
    return render_template("contests/contest.html", contest=describe_contest(found_contest, now),
                           description=paragraphs(contest_texts(found_contest)["description"]),
                           dates=_dates(found_contest),
                           categories=categories)


@bp.get("/contests/<slug>/categories/<category>")
def category(slug: str, category: str):
    """A category's approved entries, PER_PAGE at a time: a grid of photos for photo contests."""
    found_contest = _find(slug)
    number = _page_number()
    try:
        if found_contest is None or number is None:
            raise not_found("category")
        shown = gallery.category_page(found_contest, category, number)
    except ApiError:
        return _not_found(_("There is no such page of this category."))
    found_category, locale = found_contest.category(category), str(get_locale() or "en")
    texts = category_texts(found_contest, found_category)
    view = {"slug": found_category.slug, "title": texts["title"],
            "description": paragraphs(texts["description"]), "count": _entry_count(shown.total),
            "entries": [describe_entry(e, locale, found_contest.slug) for e in shown.entries]}
    return render_template("contests/category.html", contest=describe_contest(found_contest, clock.now()),
                           category=view, photos=found_contest.kind == "photo",
                           pagination=_pagination(shown, found_contest.slug, found_category.slug))


def _page_number() -> int | None:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else None


def _pagination(shown: gallery.GalleryPage, slug: str, category: str) -> dict | None:
    """Links to the previous and next pages and to the pages around this one (the first and last always)."""
    if shown.pages == 1:
        return None

    def link(number: int) -> str:
        return url_for("contest_pages.category", slug=slug, category=category, page=number if number > 1 else None)

    numbers = sorted({1, shown.pages, *range(max(1, shown.page - 2), min(shown.pages, shown.page + 2) + 1)})
    items: list[dict] = []
    for number in numbers:
        if items and number > items[-1]["number"] + 1:
            items.append({"number": None})  # a gap
        items.append({"number": number, "url": link(number), "current": number == shown.page})
    return {"items": items, "previous": link(shown.page - 1) if shown.page > 1 else None,
            "next": link(shown.page + 1) if shown.page < shown.pages else None,
            "label": _("Page %(page)d of %(pages)d", page=shown.page, pages=shown.pages)}


@bp.get("/contests/<slug>/entries/<int:entry_id>")
def entry(slug: str, entry_id: int):
    """An approved entry's own page: the address to share, with Open Graph tags for link previews."""
    found_contest = _find(slug)
    try:
        if found_contest is None:
            raise not_found("contest")
        found = gallery.public_entry(found_contest, entry_id)
    except ApiError:
        return _not_found(_("There is no entry at this address."))
    view = describe_entry(found, str(get_locale() or "en"), found_contest.slug)
    view["links"] = list(found.links or [])
    category_view = {"title": category_texts(found_contest, found.category)["title"], "slug": found.category.slug,
                     "url": url_for("contest_pages.category", slug=found_contest.slug, category=found.category.slug)}
    return render_template("contests/entry.html", contest=describe_contest(found_contest, clock.now()),
                           entry=view, category=category_view, share=_share(found_contest, view))


def absolute(path: str) -> str:
    """An address for outside the site (link previews, shared links): the configured base URL's."""
    return current_app.config["VOTING"].base_url.strip().rstrip("/") + path


def _share(contest: Contest, view: dict) -> dict:
    summary = " ".join(view["summary"])
    description = summary if len(summary) <= 200 else summary[:197].rsplit(" ", 1)[0] + "…"
    site = contest_texts(contest)["title"]
    return {"url": absolute(view["url"]), "title": view["title"], "site": site,
            "description": description or site,
            "image": absolute(view["image_url"]) if view["image_url"] else None,
            "image_alt": view["image_alt"], "image_width": view["image_width"], "image_height": view["image_height"]}
