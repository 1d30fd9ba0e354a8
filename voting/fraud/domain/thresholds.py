"""Every tunable number of the fraud rules, with the reasoning behind its
default. Pure.

The defaults are set for a WSIS-sized public vote: about 1.3 million ballots
over several weeks, up to 18 ballots per honest voter (one per category) cast
within minutes from one device and address; households, offices, campuses and
mobile carriers put many honest voters behind one address or /24; projects
campaign, so their supporters register and vote in waves after a mailing.
bench/campaign.py checks them against a simulated campaign (docs/fraud.md).

A contest's SPEC may override any of them under `fraud.thresholds`;
`Thresholds.from_overrides` validates such a mapping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

from voting.i18n.domain import N_, msg

MINUTE = 60
HOUR = 3600
DAY = 86400


def _n(default: float | int, lo: float, hi: float | None = None, *, integer: bool = False,
       lo_open: bool = False) -> Any:
    """A field with its allowed range, checked by `from_overrides`."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "integer": integer, "lo_open": lo_open})


@dataclass(frozen=True)
class Thresholds:
    # --- burst: one entry's ballots surge far above its own recent rate -------
    # A scripted burst lands within minutes; ten minutes holds one and is short
    # enough that an entry's ordinary trickle stays in single figures.
    burst_window_seconds: int = _n(10 * MINUTE, 1, integer=True)
    # The entry's own rate is measured over the day before the window: a full
    # daily cycle, so an ordinary evening peak is part of the baseline.
    burst_lookback_seconds: int = _n(DAY, 1, integer=True)
    # Fewer than 30 ballots in ten minutes (180 an hour) is not worth a finding
    # whatever the ratio; small entries would otherwise trigger on noise.
    burst_min_count: int = _n(30, 1, integer=True)
    # The window must hold at least ten times what the baseline predicts. A
    # project's mailing clears this too (52 ballots in ten minutes, 26 times
    # the baseline, in bench/campaign.py): the network test below tells them
    # apart.
    burst_ratio: float = _n(10.0, 1.0)
    # Floor on the predicted count, so an entry with no history yet (or the
    # first hours of voting) is not compared with zero.
    burst_min_expected: float = _n(2.0, 0.0, lo_open=True)
    # Distinct networks (/24, /64) per ballot in the window at most 0.5. A
    # campaign wave comes from about as many networks as voters (0.8 and more
    # in every honest window of 30 ballots in the bench); a farm from a
    # handful. Without this a project's mailing would read as a burst.
    burst_max_prefix_diversity: float = _n(0.5, 0.0, 1.0)

    # --- shared_prefix: many voters from one /24 (/64) on one entry ----------
    # A quarter of an hour: a farm votes in one sitting, while a campus or a
    # carrier's shared range spreads its voters over the day.
    prefix_window_seconds: int = _n(15 * MINUTE, 1, integer=True)
    # 30 distinct voters on one entry from one network within 15 minutes: far
    # above an office (tens of people over a day) or a campus campaign (16 at
    # most in bench/campaign.py, where half of a university's 200 supporters
    # vote from the campus /24).
    prefix_min_voters: int = _n(30, 2, integer=True)
    # ... and they must be most (60 %) of that network's voters in the window:
    # a campus or a carrier range with many voters choosing many entries is
    # not concentrated; a farm is.
    prefix_min_share: float = _n(0.6, 0.0, 1.0, lo_open=True)
    # The same over six hours, 60 voters: a network working through accounts
    # for an afternoon (a campus or an office answering a mailing does this too:
    # volume, to be corroborated) ...
    prefix_hours_window_seconds: int = _n(6 * HOUR, 1, integer=True)
    prefix_hours_min_voters: int = _n(60, 2, integer=True)
    # ... and over a week, 60 voters: one network for one entry day after day,
    # slower than any window above (a slow farm, a click farm's office).
    prefix_days_window_seconds: int = _n(7 * DAY, 1, integer=True)
    prefix_days_min_voters: int = _n(60, 2, integer=True)

    # --- shared_device: many accounts behind one device cookie ---------------
    # One day: a shared family computer or a library/lab machine is used by a
    # few people a day; a device farm cycles through dozens of accounts.
    device_window_seconds: int = _n(DAY, 1, integer=True)
    # A family of four, a lab PC shared by a study group, or an internet café's
    # machine (up to 8 voters in a day in bench/campaign.py) stays below twelve
    # distinct accounts a day; a device farm cycles through 20 and more.
    device_min_voters: int = _n(12, 2, integer=True)
    # ... and over a week, 20 accounts: a phone worked through by hand, a few
    # accounts a day. A café's computer served a dozen customers in three weeks
    # in bench/campaign.py.
    device_week_window_seconds: int = _n(7 * DAY, 1, integer=True)
    device_week_min_voters: int = _n(20, 2, integer=True)

    # --- shared_user_agent: an unusual user agent concentrated on one target --
    # One hour: the time a scripted client or a proxy farm takes to run through
    # its accounts.
    ua_window_seconds: int = _n(HOUR, 1, integer=True)
    # What is "usual" for a user agent: its share of the ballots over the week
    # before the window (browsers' versions change over weeks, not hours).
    ua_lookback_seconds: int = _n(7 * DAY, 1, integer=True)
    # At least 25 distinct voters with that user agent on the one entry (or the
    # one network) within the hour.
    ua_min_voters: int = _n(25, 2, integer=True)
    # Those voters must be most (60 %) of the user agent's voters in the hour.
    ua_min_concentration: float = _n(0.6, 0.0, 1.0, lo_open=True)
    # The user agent's share of all voters in the hour must be six times its
    # usual share. User agents are common strings (since Chrome's reduced UA
    # every Android Chrome of one version sends the same one): a campaign whose
    # supporters are mostly on phones raises a common UA's share two- or
    # threefold (3.1 at most in bench/campaign.py), and a UA already held by a
    # sixth of the voters can never reach six. A farm sending an outdated or
    # headless UA lifts it a hundredfold.
    ua_min_lift: float = _n(6.0, 1.0)
    # A user agent never seen before counts as holding this share, so a brand
    # new one is not infinitely unusual.
    ua_min_baseline_share: float = _n(0.005, 0.0, 1.0, lo_open=True)
    # Below this many ballots in the lookback nobody knows which user agents
    # are common; the rule waits (the first hours of voting).
    ua_min_baseline_ballots: int = _n(1000, 0, integer=True)

    # --- new_account_domain: accounts created together on one mail domain ----
    # Twenty minutes: a farm creates its accounts in a batch, one or more a
    # minute; people answering a mailing register over hours (a university
    # mailing 200 supporters reached 15 new accounts on its domain in 20
    # minutes, 26 in an hour, in bench/campaign.py).
    domain_window_seconds: int = _n(20 * MINUTE, 1, integer=True)
    # 20 accounts in 20 minutes on one non-public domain. Public providers
    # (PUBLIC_EMAIL_PROVIDERS) are never considered: millions share them.
    # A larger institution mailing its members can exceed this; the evidence
    # carries the number of networks and entries so the organiser can tell.
    domain_min_accounts: int = _n(20, 2, integer=True)

    # --- instant_single_vote: accounts that vote seconds after creation -------
    # 30 seconds from account creation to first ballot: with mail
    # verification, a proof of work and a 2-second render minimum, a person
    # needs a minute or more; a script needs seconds.
    instant_max_seconds: int = _n(30, 0, integer=True)
    # Such accounts are clustered per entry over six hours ...
    instant_window_seconds: int = _n(6 * HOUR, 1, integer=True)
    # ... and eight are needed: one eager supporter (or two: the most seen for
    # one entry in bench/campaign.py, counting anyone within a minute) is not
    # a finding.
    instant_min_cluster: int = _n(8, 1, integer=True)
    # An account is judged once it has been quiet for half an hour, so one who
    # votes for a friend's project first and then goes on through the other
    # categories is not taken for a sock puppet mid-session.
    instant_settle_seconds: int = _n(30 * MINUTE, 0, integer=True)
    # Where a contest does not ask voters to confirm their mail address, a
    # person can sign up and vote within 30 seconds (a link straight to the
    # entry, a password manager): a popular entry's newcomers bring a few
    # dozen such accounts a day. There the timing is weak evidence, below
    # what volume and context can lift to a hold (0.3 + 0.4 + 0.2 < 1.0):
    # it holds only with another behaviour signal (a script's page times,
    # one device, no page, a sleeper batch). With confirmation, the mail's
    # round trip makes 30 seconds a machine's time: strength 0.8-1.0.
    instant_unverified_strength: float = _n(0.3, 0.0, 1.0)

    # --- scripted_cadence: near-constant spacing between ballots --------------
    # At least 15 consecutive intervals (16 ballots) ...
    cadence_min_gaps: int = _n(15, 3, integer=True)
    # ... whose coefficient of variation is at most 0.15. Human arrivals are
    # roughly Poisson (CV about 1); fifteen exponential gaps within 15 % of
    # their mean essentially never happen (the lowest honest run in
    # bench/campaign.py: 0.37). A timer with +-10 % uniform jitter stays near
    # 0.06. Ballots within 0.15 of the beat just before and after a run are
    # followed too, so a run broken by someone else's ballot is not lost.
    cadence_max_cv: float = _n(0.15, 0.0, 1.0, lo_open=True)
    # The run must span at least five accounts: one person going through the
    # 18 categories at a steady pace harms nobody.
    cadence_min_voters: int = _n(5, 1, integer=True)
    # Mean interval of at least one second: below it the server's own timing
    # dominates (such floods are the burst and prefix rules' business).
    cadence_min_gap_seconds: float = _n(1.0, 0.0)

    # --- pageless: ballots no rendered page vouched for, on one entry ---------
    # A day: a script run by hand over an evening, or paced through the day.
    pageless_window_seconds: int = _n(DAY, 1, integer=True)
    # Eight distinct voters for one entry without the page (or its script) in
    # a day. Honest API clients are a fraction of a percent of voters and
    # spread over the entries: even a 1,500-strong wave brings a handful.
    pageless_min_voters: int = _n(8, 2, integer=True)
    # ... and that many must be surprising for the entry's traffic in the day:
    # the chance of as many page-less voters among its voters, at the
    # contest's own page-less rate, below 10^-6. A wave of 1,500 supporters
    # brings its handful of script blockers and proxy browsers.
    pageless_log10_p: float = _n(6.0, 0.0)
    # The contest's page-less rate is never taken as below this.
    pageless_min_rate: float = _n(0.002, 0.0, 1.0, lo_open=True)

    # --- uniform_clients: a volume crowd whose clients are too alike ---------
    # Tests run only on crowds of at least 20 voters: below that, chance
    # likeness is too common to mean anything.
    uniform_min_voters: int = _n(20, 5, integer=True)
    # At most three user agents cover 90 % of the crowd's voters ...
    uniform_ua_max_agents: int = _n(3, 1, integer=True)
    uniform_ua_cover: float = _n(0.9, 0.0, 1.0, lo_open=True)
    # ... where the chance of that among voters drawn from the contest is
    # below 10^-9 (people's browsers are a long tail: a hundred of them use
    # dozens of user agents).
    uniform_ua_log10_p: float = _n(9.0, 1.0)
    # A room on identical school laptops passes this test for the length of a
    # lesson, so it is weak ...
    uniform_ua_strength: float = _n(0.3, 0.0, 1.0)
    # ... unless those few clients bring voters in three distinct hours or
    # more: a farm's machines working through accounts. (An organisation's office on one
    # managed browser build, voting for its own entry all afternoon, looks the
    # same: see docs/fraud.md.)
    uniform_ua_sustained_hours: int = _n(3, 1, integer=True)
    uniform_ua_sustained_strength: float = _n(0.7, 0.0, 1.0)
    # Page times: 60 % of the crowd's timed ballots within +-25 % of their
    # median. People's times spread over an order of magnitude (about a fifth
    # fall in such a band); a script's set sleep puts nearly all of them there.
    uniform_page_band: float = _n(0.25, 0.0, 1.0, lo_open=True)
    uniform_page_share: float = _n(0.6, 0.0, 1.0, lo_open=True)
    uniform_page_strength: float = _n(0.6, 0.0, 1.0)
    # Accounts made at regular intervals: a coefficient of variation of the
    # gaps at most 0.3 (people signing up after a post arrive at random: about 1).
    uniform_creation_cv: float = _n(0.3, 0.0, 1.0, lo_open=True)
    uniform_creation_strength: float = _n(0.6, 0.0, 1.0)

    # --- sleeper_accounts: a batch made long ago that wakes up together ------
    # At least 15 accounts made within two hours of each other ...
    sleeper_min_accounts: int = _n(15, 2, integer=True)
    sleeper_batch_seconds: int = _n(2 * HOUR, 1, integer=True)
    # ... silent for at least two days after they were made (supporters who
    # sign up after a post vote at once; they are never sleepers) ...
    sleeper_min_age_seconds: int = _n(2 * DAY, 0, integer=True)
    # ... whose first ballots for one entry came within a day of each other.
    sleeper_wake_seconds: int = _n(DAY, 1, integer=True)
    # They must be at least half of every account (that voted) made in that
    # span: the batch was made for this. An organisation's members who signed
    # up after its mailing and voted days later are a minority of their batch
    # (most voted at once), so they are not a finding.
    sleeper_dedicated_share: float = _n(0.5, 0.0, 1.0, lo_open=True)
    sleeper_strength: float = _n(1.0, 0.0, 1.0)

    # --- dormant_wake: accounts asleep for weeks waking together for one entry
    # An account is dormant when its first ballot came at least two days after
    # it was made (as a sleeper: supporters answering a post vote at once) ...
    dormant_min_age_seconds: int = _n(2 * DAY, 0, integer=True)
    # ... and at least a day after voting opened: nobody sleeps through a
    # vote that was not open yet. People who registered when the
    # contest was announced come when its "voting is open" mail reaches them:
    # on opening day, in their own time zone's day, so within a day of the
    # opening; a crowd of them concentrated on a few finalists is no farm.
    # (An aged farm woken in those first 24 hours is indistinguishable from
    # them: docs/fraud.md.)
    dormant_open_grace_seconds: int = _n(DAY, 0, integer=True)
    # ... and at most 120 days: last year's supporters, whose accounts a team
    # re-mobilises with a post, are a year old; a farm ageing accounts for
    # this vote makes them in its run-up, weeks before.
    dormant_max_age_seconds: int = _n(120 * DAY, 1, integer=True)
    # Six hours: a farm wakes its accounts within an evening; a ballot counts
    # as waking within this long of the account's first ballot.
    dormant_window_seconds: int = _n(6 * HOUR, 1, integer=True)
    # At least 25 dormant voters for one entry in the window ...
    dormant_min_voters: int = _n(25, 2, integer=True)
    # ... and at least 60 % of the entry's voters in it. Accounts made days to
    # weeks before they first vote are about a sixth of honest voters, spread
    # over the entries; a project mailing's supporters who had registered
    # before are 15 % of its wave; a wave after a post is fresh accounts.
    dormant_min_share: float = _n(0.6, 0.0, 1.0, lo_open=True)

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, float | int] | None) -> "Thresholds":
        """The defaults with `overrides` applied. Raises ValueError naming every
        unknown key and bad value (`.errors` maps each key to its problem)."""
        if overrides is None:
            return cls()
        if not isinstance(overrides, Mapping):
            raise ThresholdError({"": N_("must be a mapping of threshold names to numbers")})
        known = {f.name: f for f in fields(cls)}
        errors: dict[str, str] = {}
        values: dict[str, float | int] = {}
        for key, value in overrides.items():
            f = known.get(key) if isinstance(key, str) else None
            if f is None:
                errors[str(key)] = N_("is not a known threshold")
                continue
            problem = _problem(value, f.metadata)
            if problem:
                errors[key] = problem
            else:
                values[key] = int(value) if f.metadata["integer"] else float(value)
        if errors:
            raise ThresholdError(errors)
        return replace(cls(), **values)

    def as_dict(self) -> dict[str, float | int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class ThresholdError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = dict(sorted(errors.items()))
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.errors.items()))


def _problem(value: Any, meta: Mapping[str, Any]) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return N_("must be a number")
    if meta["integer"] and value != int(value):
        return N_("must be a whole number")
    lo, hi = meta["lo"], meta["hi"]
    if meta["lo_open"] and value <= lo:
        return msg("must be greater than %(limit)s", limit=f"{lo:g}")
    if value < lo:
        return msg("must be at least %(limit)s", limit=f"{lo:g}")
    if hi is not None and value > hi:
        return msg("must be at most %(limit)s", limit=f"{hi:g}")
    return None


# Mail providers shared by millions: many accounts created on one of them
# within an hour is what a Monday morning looks like, not a farm.
PUBLIC_EMAIL_PROVIDERS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "ymail.com", "rocketmail.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "proton.me", "protonmail.com", "pm.me", "zoho.com", "zohomail.com", "gmx.com", "gmx.net",
    "gmx.de", "web.de", "t-online.de", "mail.com", "fastmail.com", "tutanota.com", "tuta.io",
    "mail.ru", "bk.ru", "inbox.ru", "list.ru", "yandex.ru", "yandex.com", "ya.ru", "rambler.ru",
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com",
    "aliyun.com", "naver.com", "daum.net", "hanmail.net", "rediffmail.com", "libero.it",
    "virgilio.it", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr", "laposte.net", "btinternet.com",
    "sky.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bigpond.com",
    "optusnet.com.au", "shaw.ca", "rogers.com", "uol.com.br", "bol.com.br", "terra.com.br",
    "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl", "abv.bg", "ukr.net",
})
# Providers with a domain per country (yahoo.co.uk, hotmail.fr, outlook.com.br ...).
PUBLIC_EMAIL_BRANDS = frozenset({"yahoo", "hotmail", "outlook", "live", "gmx", "yandex", "windowslive"})


def is_public_provider(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    if domain in PUBLIC_EMAIL_PROVIDERS:
        return True
    brand, _, rest = domain.partition(".")
    # brand.tld or brand.co.tld / brand.com.tld: every remaining label is short.
    return brand in PUBLIC_EMAIL_BRANDS and bool(rest) and all(0 < len(p) <= 3 for p in rest.split("."))
