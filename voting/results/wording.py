"""What the results pages say: RESULTS (shared/API.md) turned into sentences,
labels and numbers formatted for the reader's language. Display only: no
queries, no decisions (those are in the snapshot already).

Every number a page prints comes from the snapshot as the API serves it, so
the page, the API and the snapshot JSON can never disagree.
"""

from __future__ import annotations

from typing import Any, Mapping

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

# The fraud rules' names and meanings, worded as on the organisers' report.
from voting.fraud.labels import by_reason as reasons  # noqa: F401  (re-exported for pages.py)

AWARDS = {"winner": _l("Winner"), "champion": _l("Champion"), "first": _l("First place"),
          "second": _l("Second place"), "third": _l("Third place")}
# The awards that end a contest (hatched in charts); champions are dotted.
FINAL_AWARDS = ("winner", "first", "second", "third")
CUT_LINES = {"winner": _l("Winner line"), "champion": _l("Champion line"), "first": _l("First place line"),
             "second": _l("Second place line"), "third": _l("Third place line")}
METHODS = {"single": _l("one choice per ballot"), "approval": _l("approval voting"),
           "score": _l("star ratings (score voting)"), "irv": _l("instant-runoff voting (IRV)"),
           "schulze": _l("the Schulze method"), "borda": _l("the Borda count")}
# What `public_votes` counts, by counting method (shared/API.md).
PUBLIC_VOTES = {"single": _l("Votes"), "approval": _l("Approvals"), "score": _l("Stars"),
                "irv": _l("Votes (last round)"), "schulze": _l("Entries beaten"), "borda": _l("Borda points")}
POLICIES = {"public": _l("The public vote decides the awards."),
            "jury": _l("The jury decides the awards."),
            "jury_among_champions": _l("The public vote chooses the champions of each category; the jury "
                                       "chooses the winner among them."),
            "hybrid": _l("Public vote and jury scores are combined.")}
TIE_RULES = {"jury_score": _l("the higher jury score"), "public_votes": _l("more public votes"),
             "earliest_submission": _l("the earlier submission"),
             "draw": _l("a draw seeded from the ledger's final root, which anyone can repeat")}
TIE_STAGES = {"public": _l("level on public votes"), "jury": _l("level on jury score"),
              "hybrid": _l("level on the combined score"), "irv": _l("level at an elimination")}
JOBS = {"queued": _l("queued"), "started": _l("running"), "finished": _l("finished"), "failed": _l("failed")}
# A flip probability from this much up is shown as a close call. A display
# choice, not a rule: one resampling in twenty already means the order rests
# on a handful of ballots, which organisers should know before they announce.
CLOSE_CALL = 0.05


def award(name: str | None) -> str:
    return str(AWARDS.get(name, name)) if name else ""


def job(status: str) -> str:
    return str(JOBS.get(status, status))


def votes_label(method: str | None) -> str:
    return str(PUBLIC_VOTES.get(method or "", _("Public votes")))


def number(value: Any) -> str:
    if value is None:
        return "–"
    return format_decimal(value, "#,##0.###")


def score(value: Any) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.00")


def _amount(method: str | None, stage: str, value: float) -> str:
    """A margin in the unit of the stage that placed the entries."""
    if stage == "jury":
        return _("%(num)s points of jury score", num=score(value))
    if stage == "hybrid":
        return _("%(num)s of the combined score", num=format_decimal(value, "0.000"))
    n = abs(value)
    if method == "score":
        return ngettext("%(count)s star", "%(count)s stars", n, count=number(value))
    if method == "borda":
        return ngettext("%(count)s point", "%(count)s points", n, count=number(value))
    if method == "schulze":
        return ngettext("%(count)s ballot on the strongest paths", "%(count)s ballots on the strongest paths",
                        n, count=number(value))
    return ngettext("%(count)s vote", "%(count)s votes", n, count=number(value))


def _flips(line: Mapping[str, Any]) -> str:
    flip, replicates = line.get("flip_probability"), line.get("replicates") or 0
    if flip is None:
        if line["stage"] == "jury":
            return _("The jury's scores are not resampled, so this line has no flip probability.")
        return _("There are no counted ballots to resample.")
    held = line["stage"] == "hybrid"
    if flip == 0:
        return (_("In none of %(n)s resamplings of the counted ballots (the jury's scores held fixed) does the "
                  "order flip.", n=number(replicates)) if held else
                _("In none of %(n)s resamplings of the counted ballots does the order flip.", n=number(replicates)))
    pct = format_percent(flip, "#,##0.#%")
    return (_("In %(pct)s of %(n)s resamplings of the counted ballots (the jury's scores held fixed) the order "
              "flips.", pct=pct, n=number(replicates)) if held else
            _("In %(pct)s of %(n)s resamplings of the counted ballots the order flips.", pct=pct,
              n=number(replicates)))


def cut_line(line: Mapping[str, Any], titles: Mapping[int, str], method: str | None) -> dict[str, Any]:
    """A cut line in words: who leads whom by how much, and how often a
    resampling of the counted ballots reverses them."""
    above, below = titles.get(line["above"], "?"), titles.get(line["below"], "?")
    name = str(CUT_LINES.get(line["name"], line["name"]))
    margin = line.get("margin")
    if margin is None:
        lead = _("“%(below)s” has no jury score, so “%(above)s” stays above it.", above=above, below=below)
    elif margin == 0:
        lead = _("“%(above)s” and “%(below)s” are level; the tie rules put “%(above)s” first (see the ties).",
                 above=above, below=below)
    else:
        lead = _("“%(above)s” leads “%(below)s” by %(margin)s.", above=above, below=below,
                 margin=_amount(method, line["stage"], margin))
    flip = line.get("flip_probability")
    return {"name": name, "place": line["place"], "lead": lead, "flips": _flips(line),
            "close": flip is not None and flip >= CLOSE_CALL,
            "heading": _("%(line)s, between places %(above)d and %(below)d", line=name, above=line["place"],
                         below=line["place"] + 1)}


def _names(ids: list[int], titles: Mapping[int, str]) -> str:
    quoted = [f"“{titles.get(e, '?')}”" for e in ids]
    if len(quoted) < 2:
        return "".join(quoted)
    return _("%(first)s and %(last)s", first=", ".join(quoted[:-1]), last=quoted[-1])


def tie(found: Mapping[str, Any], titles: Mapping[int, str]) -> str:
    """A tie in words: where, who, which rules decided it, what is left shared."""
    who = _names(list(found["entries"]), titles)
    stage = str(TIE_STAGES.get(found["stage"], found["stage"]))
    if found.get("round") is not None:
        text = _("In round %(round)d of the count, %(who)s were %(stage)s.", round=found["round"], who=who,
                 stage=stage)
    else:
        text = _("At place %(place)d, %(who)s were %(stage)s.", place=found["place"], who=who, stage=stage)
    rules = [str(TIE_RULES.get(r, r)) for r in found.get("decided_by", [])]
    parts = [text]
    if rules:
        parts.append(_("Decided by %(rules)s.", rules=_(", then ").join(rules)))
    for group in found.get("unresolved", []):
        parts.append(_("No rule separates %(who)s: they share the place and any award it carries.",
                       who=_names(list(group), titles)))
    lines = [str(CUT_LINES.get(n, n)).lower() for n in found.get("cut_lines", [])]
    if lines:
        parts.append(_("This tie sits across the %(lines)s.", lines=", ".join(lines)))
    return " ".join(parts)


def tie_chain(chain: list[str]) -> list[str]:
    return [str(TIE_RULES.get(r, r)) for r in chain]


def policy(results: Mapping[str, Any]) -> str:
    return str(POLICIES.get(results.get("policy"), results.get("policy") or ""))


def method(results: Mapping[str, Any]) -> str:
    found = results.get("method")
    return str(METHODS.get(found, found)) if found else _("no public vote")
