"""The results charts mirror in right-to-left pages (voting/results/charts.py)."""

from __future__ import annotations

import pytest

from tests.unit.test_results_charts import Svg
from voting.results.charts import Bar, bar_chart


def test_a_right_to_left_chart_mirrors_its_geometry():
    bars = [Bar("Alpha", 10, "10"), Bar("Beta", 5, "5"), Bar("Gamma", 0, "0")]
    ltr, rtl = Svg(str(bar_chart("l", "T", "D", bars))), Svg(str(bar_chart("r", "T", "D", bars, rtl=True)))
    assert ltr.tags[0][1]["direction"] == "ltr" and rtl.tags[0][1]["direction"] == "rtl"
    rects = {name: [a for t, a in svg.tags if t == "rect"] for name, svg in (("ltr", ltr), ("rtl", rtl))}
    for left, right in zip(rects["ltr"], rects["rtl"]):  # each bar the mirror image of the other
        assert float(right["x"]) == 640 - float(left["x"]) - float(left["width"])
        assert right["width"] == left["width"]
    texts = {name: [a for t, a in svg.tags if t == "text"] for name, svg in (("ltr", ltr), ("rtl", rtl))}
    for left, right in zip(texts["ltr"], texts["rtl"]):
        assert float(right["x"]) == pytest.approx(640 - float(left["x"]))
        assert right["text-anchor"] == left["text-anchor"]  # `direction` turns "end"/"start" round
