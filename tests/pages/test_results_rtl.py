"""The results charts in a right-to-left page: an Arabic reader gets the chart
mirrored (labels at the right, bars growing leftwards, each number beyond its
bar's left end), said by the SVG's own `direction` so that inline SVG does not
inherit the page's and turn its labels over the bars."""

from __future__ import annotations

import pytest

from tests.pages.support import page, sign_in, submit
from tests.support.results import close_voting, public_vote, run_tallies
from voting.results.charts import LABEL_WIDTH, WIDTH

ORGANISER = "organiser@example.org"


@pytest.fixture
def published(app):
    slug, _ids = public_vote(app)
    close_voting(app, slug)
    boss = app.test_client()
    sign_in(boss, ORGANISER)
    draft = f"/contests/{slug}/results?draft=1"
    assert submit(boss, draft, f"/contests/{slug}/results/tally").status_code == 303
    run_tallies(app)
    assert submit(boss, draft, f"/contests/{slug}/results/publish").status_code == 303
    return slug


def chart(client, slug: str, lang: str) -> tuple[dict, list[tuple[str, dict]]]:
    resp = client.get(f"/contests/{slug}/results/categories/c1?lang={lang}")
    assert resp.status_code == 200
    doc = page(resp)
    start = next(i for i, (tag, attrs) in enumerate(doc.elements) if tag == "svg")
    end = next((i for i, (tag, _a) in enumerate(doc.elements) if i > start and tag == "svg"), len(doc.elements))
    return doc.elements[start][1], doc.elements[start + 1:end]


def geometry(inside: list[tuple[str, dict]]) -> tuple[float, list[dict], list[dict]]:
    axis = float(next(attrs for tag, attrs in inside if tag == "line")["x1"])
    rects = [attrs for tag, attrs in inside if tag == "rect" and "width" in attrs and "height" in attrs
             and attrs.get("y") is not None and attrs["fill"] != "#fff" and attrs.get("stroke") is not None]
    texts = [attrs for tag, attrs in inside if tag == "text"]
    return axis, rects, texts


def test_an_arabic_results_chart_is_mirrored(client, published):
    root, inside = chart(client, published, "ar")
    assert root["direction"] == "rtl" and root["preserveaspectratio"].startswith("xMax")
    axis, rects, texts = geometry(inside)
    assert axis == WIDTH - LABEL_WIDTH  # the axis at the right, the labels beyond it
    assert rects and all(float(r["x"]) + float(r["width"]) == pytest.approx(axis) for r in rects)  # bars grow left
    labels, values = texts[0::2], texts[1::2]
    assert all(float(t["x"]) > axis and t["text-anchor"] == "end" for t in labels)  # "end" is their left in rtl
    for value, rect in zip(values, rects):  # each number beyond its bar's left end, never over it
        assert value["text-anchor"] == "start" and float(value["x"]) < float(rect["x"])


def test_a_left_to_right_chart_is_not(client, published):
    for lang in ("en", "fr", "ru", "es", "zh"):
        root, inside = chart(client, published, lang)
        assert root["direction"] == "ltr" and root["preserveaspectratio"].startswith("xMin"), lang
        axis, rects, texts = geometry(inside)
        assert axis == LABEL_WIDTH and all(float(r["x"]) == axis for r in rects), lang
        assert all(float(t["x"]) < axis for t in texts[0::2]), lang
        for value, rect in zip(texts[1::2], rects):
            assert float(value["x"]) > float(rect["x"]) + float(rect["width"]), lang
