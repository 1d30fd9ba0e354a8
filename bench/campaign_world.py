"""The simulated contest's world for bench/campaign.py: calendar, networks,
browsers, mail domains, accounts and ballots. One seeded `random.Random`
drives everything; nothing else is random.

A ballot is a tuple (cast time, voter, category, entry, ip, /24, device id,
user agent, page seconds or None, client flags); a voter is (created, mail
domain, country, scenario, address it registered from). Every ballot of a
voter belongs to the voter's scenario: an honest pattern or an attack.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from random import Random

# bench/campaign.py imports this module first: the repository, for `voting`, whatever the interpreter.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = datetime(2021, 3, 1, tzinfo=UTC).timestamp()  # a Monday
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
CATEGORIES, ENTRIES = 18, 40
# Countries the contest admits: (code, UTC offset, weight). Carriers are national.
COUNTRIES = [("CH", 1, 3), ("FR", 1, 4), ("DE", 1, 4), ("ES", 1, 3), ("IT", 1, 3), ("GB", 0, 4),
             ("PL", 1, 2), ("RO", 2, 2), ("EG", 2, 3), ("KE", 3, 3), ("NG", 1, 4), ("GH", 0, 2),
             ("ZA", 2, 2), ("RW", 2, 2), ("SA", 3, 3), ("AE", 4, 2), ("IN", 5, 6), ("PK", 5, 3),
             ("BD", 6, 3), ("ID", 7, 3), ("MY", 8, 2), ("PH", 8, 3), ("CN", 8, 3), ("JP", 9, 2),
             ("KR", 9, 2), ("AU", 10, 1), ("BR", -3, 4), ("AR", -3, 2), ("MX", -6, 3), ("CO", -5, 2),
             ("US", -5, 4), ("CA", -5, 2)]
ALLOWED = frozenset(c for c, _, _ in COUNTRIES)
FOREIGN_COUNTRY = "TV"  # not admitted by the simulated contest
PUBLIC = [("gmail.com", 50), ("outlook.com", 8), ("hotmail.com", 8), ("yahoo.com", 8), ("icloud.com", 5),
          ("yahoo.fr", 2), ("hotmail.fr", 2), ("mail.ru", 2), ("qq.com", 3), ("163.com", 2), ("gmx.de", 2),
          ("web.de", 2), ("orange.fr", 2), ("rediffmail.com", 2), ("proton.me", 2)]
BIG_WEBMAIL = [("gmail.com", 70), ("outlook.com", 12), ("hotmail.com", 10), ("yahoo.com", 8)]
# Hours of the local day: people vote from morning to late evening; offices and schools in working hours.
DIURNAL = [1, .5, .3, .3, .3, .5, 1, 2, 3, 4, 5, 5, 5, 4.5, 4.5, 4.5, 4.5, 5, 5.5, 6, 6, 5, 3.5, 2]
WORKDAY = [0, 0, 0, 0, 0, 0, 0, .3, 2, 4, 4, 3.5, 2.5, 3.5, 4, 3.5, 2.5, 1, .3, 0, 0, 0, 0, 0]
EVENING = [1, .4, .1, .1, .1, .1, .3, 1, 1.5, 1.5, 1.5, 1.5, 2, 2, 2, 2, 2, 3, 4, 5, 6, 6, 4, 2]
# Browsers. "chrome-*" families send Chrome's reduced user agent: one identical string per major
# version and platform, so every Android Chrome of one version looks alike (and every ChromeOS one).
MOBILE_UA = [("chrome-android", 50), ("safari-ios-17", 17), ("safari-ios-16", 6), ("samsung-internet-23", 7),
             ("chrome-ios-17", 4), ("firefox-android-121", 1), ("opera-mini", 1), ("miui-browser", 1.5),
             ("uc-browser", 1)]
DESKTOP_UA = [("chrome-win", 38), ("edge-win-120", 14), ("chrome-mac", 9), ("safari-mac-17", 9),
              ("firefox-win-121", 8), ("chrome-linux", 2), ("chrome-cros", 1.5), ("opera-win-105", 2),
              ("firefox-mac-121", 2), ("firefox-linux-121", 1.5)]
CHROME_VERSION = 120  # the current major when voting opens; the next one ships during the vote
IN_APP = ("fb", "ig", "tt", "li", "x", "wa")


def cum(pairs) -> tuple[list, list[float]]:
    return [k for k, _ in pairs], list(accumulate(w for _, w in pairs))


class World:
    def __init__(self, seed: int, scale: float, days: int, verified_email: bool = True):
        r = self.rng = Random(seed)
        self.seed, self.scale, self.days = seed, scale, days
        # The fewest seconds a person takes from making an account to a ballot: with the mail to
        # confirm, half a minute; without (--unverified), the form, the page and a click.
        self.signup_floor = 30.0 if verified_email else 8.0
        self.start, self.end = START, START + days * DAY
        self.ballots: list[tuple] = []
        self.voters: list[tuple] = []
        self.serial = 0
        self.taken: set[str] = set()
        self.params: dict[str, dict] = {}  # scenario -> what was drawn for it, for the report
        self.countries, self.country_cum = cum([((c, tz), w) for c, tz, w in COUNTRIES])
        self.public, self.public_cum = cum(PUBLIC)
        self.webmail, self.webmail_cum = cum(BIG_WEBMAIL)
        self.mobile_ua, self.mobile_cum = cum(MOBILE_UA)
        self.desktop_ua, self.desktop_cum = cum(DESKTOP_UA)
        self.diurnal = {"any": list(accumulate(DIURNAL)), "work": list(accumulate(WORKDAY)),
                        "evening": list(accumulate(EVENING))}
        # The calendar: a launch push, a weekly rhythm (weekends lower), the organiser's newsletters,
        # a lull mid-way and the surge of the last days before the close.
        self.newsletters = sorted({0, 7 + r.randint(0, 2), 14 + r.randint(0, 2), days - 3 + r.randint(0, 1)})
        weights = []
        for d in range(days):
            last = d >= days - 3  # the last days' rush ignores the weekend
            w = (0.62 if d % 7 >= 5 and not last else 1.0) * (1.6 if d < 2 else 1.0)
            w *= 0.85 if days / 3 < d < days / 2 else 1.0
            w *= 1.9 if d in self.newsletters else 1.3 if d - 1 in self.newsletters else 1.0
            w *= 1 + 2.2 * max(0, d - (days - 4)) / 3  # last three days: up to three times the usual
            weights.append(w)
        self.day_cum = list(accumulate(weights))
        # Networks: residential /24s (ISPs; also what residential proxies rent out) and national
        # mobile carriers, each NATing its subscribers behind a handful of /24s (carrier-grade NAT).
        self.residential = [self.allocate() for _ in range(int(4000 * scale) + 200)]
        self.carriers: dict[str, list[list[str]]] = {}
        for code, _, weight in COUNTRIES:
            self.carriers[code] = [[self.allocate() for _ in range(r.randint(2, 4))]
                                   for _ in range(1 + (weight >= 3) + (weight >= 4))]
        # A few national carriers carry most people on phones: thousands behind a handful of /24s.
        self.big_carriers: list[tuple[str, int, list[str]]] = []
        while len(self.big_carriers) < 3:
            code, tz = self.country()
            if code not in {c for c, _, _ in self.big_carriers}:
                self.big_carriers.append((code, tz, self.carriers[code][0][:r.randint(2, 3)]))
                self.carriers[code][0] = self.big_carriers[-1][2]
        # The next Chrome major ships during the vote and rolls out over days.
        self.release = START + r.uniform(6, 12) * DAY
        self.rollout = r.uniform(3, 6) * DAY
        self.params["calendar"] = {"days": days, "newsletter_days": self.newsletters,
                                   "chrome_release_day": round((self.release - START) / DAY, 1),
                                   "rollout_days": round(self.rollout / DAY, 1)}
        # Entries: Zipf-like popularity; campaigning entries get a boost among organic voters too.
        self.popularity = [1 / (k + 1) ** 1.1 for k in range(ENTRIES)]
        self.boost: dict[int, float] = {}
        self.entry_cum: dict[int, list[float]] = {}

    # --- identities ---------------------------------------------------------------
    def n(self, base: float) -> int:
        return max(1, round(base * self.scale))

    def ident(self, kind: str) -> str:
        self.serial += 1
        return f"{kind}{self.serial:06x}"

    def allocate(self) -> str:
        """A fresh /24 (its first three octets)."""
        r = self.rng
        while True:
            p = f"{r.randint(1, 223)}.{r.randint(0, 255)}.{r.randint(0, 255)}"
            if p not in self.taken:
                self.taken.add(p)
                return p

    def voter(self, created: float, domain: str, country: str | None, scenario: str, reg_ip: str) -> int:
        self.voters.append((created, domain, country, scenario, reg_ip))
        return len(self.voters)

    def country(self) -> tuple[str, int]:
        return self.rng.choices(self.countries, cum_weights=self.country_cum)[0]

    def claimed(self, code: str | None) -> str | None:
        """The country a person gives at registration (8 % leave it empty)."""
        return None if self.rng.random() < 0.08 else code

    def public_domain(self) -> str:
        return self.rng.choices(self.public, cum_weights=self.public_cum)[0]

    def webmail_domain(self) -> str:
        return self.rng.choices(self.webmail, cum_weights=self.webmail_cum)[0]

    # --- networks -------------------------------------------------------------------
    @staticmethod
    def host(prefix: str, k: int) -> tuple[str, str]:
        return f"{prefix}.{k}", f"{prefix}.0/24"

    def residential_ip(self) -> tuple[str, str]:
        return self.host(self.rng.choice(self.residential), self.rng.randint(1, 254))

    def carrier_of(self, code: str) -> list[str]:
        return self.rng.choice(self.carriers[code])

    def carrier_ip(self, carrier: list[str]) -> tuple[str, str]:
        return self.host(self.rng.choice(carrier), self.rng.randint(1, 254))

    # --- browsers -------------------------------------------------------------------
    def chrome(self, family: str, t: float) -> str:
        r = self.rng
        if r.random() < 0.07:
            return f"{family}-{CHROME_VERSION - 1}"
        adopted = 0.0 if t < self.release else 0.92 * (1 - math.exp(-(t - self.release) / self.rollout))
        return f"{family}-{CHROME_VERSION + (r.random() < adopted)}"

    def ua(self, mobile: bool, t: float, in_app: float = 0.0) -> str:
        """A browser's user agent at time t: heavily concentrated on a few strings, a long tail;
        `in_app`: the share opening the link in a social app's browser (its own app version and
        phone model in the string, so many distinct ones)."""
        r = self.rng
        if in_app and r.random() < in_app:
            return f"inapp-{r.choice(IN_APP)}-{r.randint(1, 250)}-{r.randint(1, 12)}"
        if r.random() < 0.04:
            return f"{'m' if mobile else 'd'}-rare-{r.randint(1, 400)}"
        if mobile:
            family = r.choices(self.mobile_ua, cum_weights=self.mobile_cum)[0]
        else:
            family = r.choices(self.desktop_ua, cum_weights=self.desktop_cum)[0]
        return self.chrome(family, t) if family.startswith("chrome-") and family != "chrome-ios-17" else family

    def client_flags(self, ua: str) -> tuple[str, ...]:
        """Honest clients whose page script does not run: Opera Mini renders on its proxy (half the
        time the script is lost), script blockers (0.2 %)."""
        r = self.rng
        if ua == "opera-mini" and r.random() < 0.5 or r.random() < 0.002:
            return ("no_script",)
        return ()

    def device(self) -> str:
        """A browser's device cookie; 1 % of people block cookies (no device)."""
        return "" if self.rng.random() < 0.01 else self.ident("d")

    # --- calendar -------------------------------------------------------------------
    def local_time(self, day: int, tz: int, hours: str = "any") -> float:
        hour = self.rng.choices(range(24), cum_weights=self.diurnal[hours])[0]
        return self.start + day * DAY + (hour - tz) * HOUR + self.rng.uniform(0, HOUR)

    def organic_time(self, tz: int, hours: str = "any", days: tuple[int, int] | None = None) -> float:
        r = self.rng
        while True:
            if days:
                day = r.randint(*days)
            else:
                day = r.choices(range(self.days), cum_weights=self.day_cum)[0]
            t = self.local_time(day, tz, hours)
            if self.start <= t < self.end - 10 * MINUTE:
                return t

    def weekday(self, lo: float, hi: float) -> int:
        """A weekday between day lo and day hi (offices, schools, forum sessions)."""
        while True:
            d = int(self.rng.uniform(lo, hi))
            if d % 7 < 5:
                return d

    def registration(self, first: float, on_the_spot: float, spot_median: float = 240) -> float:
        """When an account was made: minutes before its first ballot, days before, or (one in ten
        of the others) for last year's vote."""
        r = self.rng
        if r.random() < on_the_spot:
            return first - (self.signup_floor + 15) - r.lognormvariate(math.log(spot_median), 0.8)
        if r.random() < 0.1:
            return self.start - r.uniform(330, 400) * DAY
        return first - r.lognormvariate(math.log(DAY), 1.5)

    # --- what people choose ---------------------------------------------------------
    def set_boost(self, boost: dict[int, float]) -> None:
        self.boost = boost
        for c in range(CATEGORIES):
            self.entry_cum[c] = list(accumulate(w * boost.get(c * 100 + k, 1.0)
                                                for k, w in enumerate(self.popularity)))

    def entry(self, category: int) -> int:
        return category * 100 + self.rng.choices(range(ENTRIES), cum_weights=self.entry_cum[category])[0]

    def how_many(self, mobile: bool = False) -> int:
        x = self.rng.random()
        one, every = (0.3, 0.15) if mobile else (0.2, 0.3)
        return 1 if x < one else CATEGORIES if x < one + every else self.rng.randint(2, CATEGORIES - 1)

    def picks(self, k: int, first: int | None = None) -> list[tuple[int, int]]:
        """k (category, entry) choices; `first` an entry chosen before the rest."""
        chosen = [(first // 100, first)] if first is not None else []
        for c in self.rng.sample(range(CATEGORIES), CATEGORIES):
            if len(chosen) >= k:
                break
            if first is None or c != first // 100:
                chosen.append((c, self.entry(c)))
        return chosen

    def camouflage(self, entry: int, p: float, most: int) -> list[tuple[int, int]]:
        k = 1 + (self.rng.randint(1, most) if self.rng.random() < p else 0)
        return self.picks(k, first=entry)

    # --- ballots --------------------------------------------------------------------
    def page_time(self, i: int, median: float = 25.0) -> float:
        """A person's seconds on the ballot page: wide; the next ballot in a row is quicker. Under
        2 s the intake holds the ballot itself, which people do not do."""
        r = self.rng
        while True:
            s = r.lognormvariate(math.log(median if i == 0 else median / 2), 0.9)
            if s >= 2.2:
                return s

    def session(self, voter: int, t: float, picks: list, net, device: str, ua: str,
                think: Callable[[int], float] | None = None, flags: tuple[str, ...] = (),
                nav: Callable[[], float] | None = None) -> float:
        """Ballots one after the other from time t (the first page's render). `net` is an
        (ip, prefix) or a function giving one per ballot; `think(i)` the seconds on the i-th
        page (also the pause before a ballot of a client that renders no page)."""
        r = self.rng
        think = think or self.page_time
        pageless = "no_page" in flags
        if "headless" in ua and "automated" not in flags:
            # The intake flags a client whose user agent declares automation (HeadlessChrome ...).
            flags = flags + ("automated",)
        for i, (category, entry) in enumerate(picks):
            seconds = think(i)
            t += seconds
            ip, prefix = net() if callable(net) else net
            self.ballots.append((t, voter, category, entry, ip, prefix, device, ua,
                                 None if pageless else round(seconds, 2), flags))
            t += nav() if nav else r.uniform(0.8, 4.0)
        return t
