"""What every template can use. Views hand templates ready-made values; these are
display helpers only: the page's language and direction, the language switcher's
links, and dates and numbers as the reader's language writes them (Babel)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from voting.i18n.domain import LANGUAGES, SOURCE, direction, html_lang, link_code


def current_locale() -> str:
    return str(get_locale() or SOURCE)


# Arrows that point along the reading direction: forward is to the left in a right-to-left page.
# (Angle quotes such as › need none: Unicode mirrors them in right-to-left text by itself.)
ARROWS = {"ltr": {"next": "→", "back": "←"}, "rtl": {"next": "←", "back": "→"}}

# The query arguments the switcher's links keep: where on a page the reader is. Never
# anything else: a token or a receipt code in an address must not be repeated by the page.
KEPT_ARGS = {"page", "held", "status", "category", "step", "draft", "job", "next"}


def language_links(locales: list[str], current: str) -> list[dict]:
    """The switcher: this page again in each language (a plain GET link, so it works
    without JavaScript; the page's position, KEPT_ARGS, is kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k in KEPT_ARGS]
    return [{"code": html_lang(locale), "name": LANGUAGES[locale], "current": locale == current,
             "href": f"{request.path}?{urlencode([*args, ('lang', link_code(locale))])}"}
            for locale in locales]


def plural_samples() -> dict[str, int]:
    """A whole number of each plural category of the reader's language (CLDR's: one, few, many, other…),
    so that a script can be handed a sentence per category and choose with Intl.PluralRules."""
    rule = get_locale().plural_form if get_locale() else (lambda n: "one" if n == 1 else "other")
    samples: dict[str, int] = {}
    for n in range(0, 200):
        samples.setdefault(rule(n), n)
    return samples


def install(app: Flask, locales: list[str]) -> None:
    @app.context_processor
    def _page_context():
        locale = current_locale()
        return {"page_lang": html_lang(locale), "page_dir": direction(locale), "locales": locales,
                "language_links": lambda: language_links(locales, locale), "arrows": ARROWS[direction(locale)]}

    @app.template_filter("when")
    def _when(value: datetime | None) -> str:
        return format_datetime(value, "medium") if value else ""

    @app.template_filter("day")
    def _day(value: datetime | None) -> str:
        return format_date(value, "long") if value else ""

    @app.template_filter("number")
    def _number(value: object) -> str:
        """A count or a measure with the language's separators (1,234 · 1 234 · 1.234); text stays as it is."""
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            return "" if value is None else str(value)
        return format_decimal(value)
