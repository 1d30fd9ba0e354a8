"""What every template can use. Views hand templates ready-made values; these are
display helpers only."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, get_locale

RTL = {"ar", "he", "fa", "ur"}


def install(app: Flask, locales: list[str]) -> None:
    @app.context_processor
    def _page_context():
        locale = str(get_locale() or "en")
        return {"page_lang": locale, "page_dir": "rtl" if locale.split("_")[0] in RTL else "ltr",
                "locales": locales}

    @app.template_filter("when")
    def _when(value: datetime | None) -> str:
        return format_datetime(value, "medium") if value else ""
