"""The results pages' SVG bar charts: labelled images whose numbers are text,
told apart by pattern as well as colour, with every label escaped."""

from __future__ import annotations

from html.parser import HTMLParser

from voting.results.charts import Bar, bar_chart


class Svg(HTMLParser):
    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.texts: list[str] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)


def test_a_chart_is_a_labelled_image_with_its_numbers_as_text():
    markup = str(bar_chart("c1-votes", "Votes in C1", "One bar per entry.",
                           [Bar("Alpha", 1234, "1,234", "hatch", "Winner"), Bar("Beta", 617, "617"),
                            Bar("Gamma", 0, "0")]))
    svg = Svg(markup)
    root = svg.tags[0]
    assert root[0] == "svg" and root[1]["role"] == "img"
    assert root[1]["aria-labelledby"] == "c1-votes-title c1-votes-desc"
    ids = {attrs.get("id") for _tag, attrs in svg.tags}
    assert {"c1-votes-title", "c1-votes-desc", "c1-votes-hatch"} <= ids
    assert "Votes in C1" in svg.texts and "One bar per entry." in svg.texts
    assert "1,234 · Winner" in svg.texts and "617" in svg.texts and "0" in svg.texts
    bars = [attrs for tag, attrs in svg.tags if tag == "rect" and attrs.get("x") == "230"]
    assert [float(b["width"]) for b in bars] == [300.0, 150.0, 0.0]  # to scale, a zero is empty
    assert bars[0]["fill"] == "url(#c1-votes-hatch)" and bars[1]["fill"] == bars[2]["fill"] != bars[0]["fill"]
    assert "style" not in markup


def test_labels_are_escaped_and_long_ones_cut_in_the_chart_only():
    title = "<script>alert(1)</script> & a very long entry title indeed"
    markup = str(bar_chart("x", "T <b>", "D", [Bar(title, 1, "1")]))
    assert "<script>" not in markup and "<b>" not in markup and "&lt;script&gt;" in markup
    texts = Svg(markup).texts
    assert any(t.endswith("…") and len(t) <= 30 for t in texts)  # cut on the bar
    assert f"{title}: 1" in texts  # whole in the bar's own title


def test_an_empty_chart_draws_nothing_and_a_scale_can_be_fixed():
    assert str(bar_chart("x", "T", "D", [])) == ""
    markup = str(bar_chart("j", "Jury", "D", [Bar("A", 5.0, "5.00")], low=0.0, high=10.0))
    bar = [a for t, a in Svg(markup).tags if t == "rect" and a.get("x") == "230"][0]
    assert float(bar["width"]) == 150.0  # half of the 0..10 scale
