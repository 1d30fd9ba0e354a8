"""The live view's chart of ballots per hour, its window and series, and the
jobs' steps (voting/organiser/domain): pure code, read back from the SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from voting.organiser.domain import chart, hourly, progress

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 12, 5, 6, 0, tzinfo=timezone.utc)


def columns(values: list[int]) -> list[chart.Column]:
    return [chart.Column(f"{6 + i:02d}:00", v, f"hour {i}: {v} ballots") for i, v in enumerate(values)]


def parse(values: list[int], **kw) -> ET.Element:
    return ET.fromstring(str(chart.column_chart("c", "Ballots per hour", "What it shows", columns(values), **kw)))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]


def ticks(svg: ET.Element) -> list[ET.Element]:
    return [t for t in svg.iter(f"{SVG}text") if t.get("class") == "tick"]


def test_the_chart_is_an_image_named_by_its_title_and_description():
    svg = parse([1, 2])
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").get("id") == "c-title" and svg.find(f"{SVG}title").text == "Ballots per hour"
    assert svg.find(f"{SVG}desc").get("id") == "c-desc" and svg.find(f"{SVG}desc").text == "What it shows"
    assert svg.get("viewBox") == f"0 0 {chart.WIDTH} {chart.HEIGHT}" and "style" not in str(ET.tostring(svg))


def test_one_bar_per_hour_with_ballots_each_titled_and_as_tall_as_its_count():
    svg = parse([0, 5, 10, 0, 3])
    found = bars(svg)
    assert [b.find(f"{SVG}title").text for b in found] == ["hour 1: 5 ballots", "hour 2: 10 ballots",
                                                          "hour 4: 3 ballots"]
    heights = [float(b.get("height")) for b in found]
    assert heights[1] == chart.HEIGHT - chart.BOTTOM - chart.TOP  # 10 is the scale's top
    assert abs(heights[0] * 2 - heights[1]) < 0.02 and abs(heights[2] / heights[1] - 0.3) < 0.001
    # Every bar stands on the baseline.
    assert {round(float(b.get("y")) + float(b.get("height")), 1) for b in found} == {chart.HEIGHT - chart.BOTTOM}
    xs = [float(b.get("x")) for b in found]
    assert xs == sorted(xs)  # oldest hour on the left


def test_the_scale_tops_at_a_round_number():
    assert [chart.nice_ceiling(v) for v in (0, 1, 2, 3, 7, 10, 11, 40, 99, 101, 480)] == \
        [1, 1, 2, 5, 10, 10, 20, 50, 100, 200, 500]
    labels = [t.text for t in parse([3, 7]).iter(f"{SVG}text") if t.get("class") != "tick"]
    assert labels == ["0", "10"]


def test_numbers_are_formatted_by_the_callers_formatter():
    labels = [t.text for t in parse([4000]).iter(f"{SVG}text") if t.get("class") != "tick"]
    assert labels == ["0", "5000"]
    svg = ET.fromstring(str(chart.column_chart("c", "t", "d", columns([4000]), number=lambda n: f"{n:,}")))
    assert [t.text for t in svg.iter(f"{SVG}text") if t.get("class") != "tick"] == ["0", "5,000"]


def test_an_empty_chart_draws_its_axes_and_no_bars():
    svg = parse([])
    assert bars(svg) == [] and ticks(svg) == []
    assert svg.find(f"{SVG}desc").text == "What it shows"
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["0", "1"]
    assert chart.boxes([]) == [] and chart.boxes([0, 0]) == [None, None]


def test_one_hour():
    svg = parse([4])
    assert len(bars(svg)) == 1 and [t.text for t in ticks(svg)] == ["06:00"]
    box = chart.boxes([4])[0]
    left, width = chart.plot_area(False)
    assert abs(box.x + box.width / 2 - (left + width / 2)) < 0.01  # centred in the plot


def test_at_most_four_hour_labels_the_first_hour_always():
    assert chart.ticks(72) == [0, 18, 36, 54] and chart.ticks(3) == [0, 1, 2] and chart.ticks(0) == []
    svg = parse([1] * 72)
    assert len(ticks(svg)) == 4 and ticks(svg)[0].text == "06:00"
    assert all(t.get("text-anchor") == "middle" for t in ticks(svg))


def test_right_to_left_mirrors_time_and_the_scale():
    values = [0, 5, 10, 3]
    ltr, rtl = chart.boxes(values), chart.boxes(values, rtl=True)
    for a, b in zip(ltr, rtl):
        if a is None:
            assert b is None
            continue
        assert abs((a.x + a.width) + b.x - chart.WIDTH) < 0.02 and (a.y, a.height) == (b.y, b.height)
    svg = parse(values, rtl=True)
    assert svg.get("direction") == "rtl"
    xs = [float(b.get("x")) for b in bars(svg)]
    assert xs == sorted(xs, reverse=True)  # the first hour on the right
    tick_x = [float(t.get("x")) for t in ticks(svg)]
    assert tick_x == sorted(tick_x, reverse=True) and ticks(svg)[0].text == "06:00"
    # The scale stands right of the plot, outside it; in LTR left of it.
    scale = [t for t in svg.iter(f"{SVG}text") if t.get("class") != "tick"]
    left, width = chart.plot_area(True)
    assert all(float(t.get("x")) > left + width for t in scale)
    assert all(float(t.get("x")) < chart.plot_area(False)[0] for t in parse(values).iter(f"{SVG}text")
               if t.get("class") != "tick")


def test_labels_are_escaped():
    svg = chart.column_chart("c", "A <b> & co", "d", [chart.Column("<x>", 1, "1 & <2>")])
    root = ET.fromstring(str(svg))
    assert root.find(f"{SVG}title").text == "A <b> & co" and bars(root)[0].find(f"{SVG}title").text == "1 & <2>"


def test_the_window_is_the_voting_window_up_to_now_72_hours_at_most():
    now = T0 + timedelta(minutes=25)
    assert hourly.window(None, None, now) is None
    assert hourly.window(now + timedelta(hours=1), None, now) is None  # not open yet
    start, end = hourly.window(T0 - timedelta(hours=2, minutes=30), T0 + timedelta(days=3), now)
    assert (start, end) == (T0 - timedelta(hours=3), T0 + timedelta(hours=1))
    start, end = hourly.window(T0 - timedelta(days=30), None, now)
    assert end - start == timedelta(hours=72) and end == T0 + timedelta(hours=1)
    # After the close, the chart ends with the closing hour.
    closes = T0 - timedelta(days=10, minutes=40)
    start, end = hourly.window(T0 - timedelta(days=20), closes, now)
    assert end == hourly.floor_hour(closes) + hourly.HOUR and end - start == timedelta(hours=72)


def test_the_series_has_every_hour_zeros_included():
    found = hourly.series({T0 + timedelta(hours=1): 4}, T0, T0 + timedelta(hours=3))
    assert found == [(T0, 0), (T0 + timedelta(hours=1), 4), (T0 + timedelta(hours=2), 0)]
    assert hourly.series({}, T0, T0) == []


def test_steps_of_the_jobs():
    tally = "voting.results.jobs.tally_contest"
    assert progress.step("counting", progress.stages_of(tally, [1, False, None])) == (3, 4)
    assert progress.step("counting", progress.stages_of(tally, [1, True, None])) == (2, 3)
    assert progress.step("recounting", progress.stages_of("voting.fraud.jobs.fraud_sweep")) == (2, 2)
    assert progress.step("elsewhere", progress.stages_of(tally)) is None and progress.step(None, ("a",)) is None
    assert progress.stages_of("no.such.job") == ()
