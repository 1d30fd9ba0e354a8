"""The WSIS-like vote of bench/sweep.py, as numpy columns from one seeded generator.

About 1.3 million `single` ballots over three weeks in 18 categories (1,270
entries, Zipf-like popularity within each) from about 130,000 voters, with
the shares of addresses, networks, devices and user agents of a real vote:

- households of 1-5 behind one address, several households per residential
  /24, a third of families on one computer; people on phones behind 40
  carriers' shared /24s (a new address and often a new /24 at every ballot);
  400 offices (one address, their own mail domain for most), 25 campuses (a
  NAT pool of 4 addresses, lab computers), 60 internet cafés (4 computers);
- arrival spread over the three weeks with a daily cycle by time zone, an
  early peak; 1 to 18 ballots a voter (10 on average) about 20 s apart, a
  sixth of them coming back a day or so later for the rest; sign-up days
  before for half, minutes before for the other half;
- 40 projects' campaign waves (about 10,000 supporters answering a mailing
  over the following hours, half of them voting only for the project);
- the common browsers' user agents and a long tail of 400 rarer ones; 1.5 %
  of voters without a device cookie, 0.3 % through an API client (no page),
  0.5 % whose page script never ran; page times log-normal around 9 s.

The attack clusters are added by bench/sweep_attacks.py.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
from campaign_world import COUNTRIES

START = datetime(2025, 5, 5, tzinfo=UTC)  # voting opens; fixed so every load is the same
DAY, HOUR = 86400.0, 3600.0
# Countries the contest admits (code, UTC offset for the daily cycle, weight): the
# campaign benchmark's; TV is not admitted.
ALLOWED = sorted(c for c, _, _ in COUNTRIES)
FOREIGN = "TV"
PUBLIC = [("gmail.com", 50), ("outlook.com", 8), ("hotmail.com", 8), ("yahoo.com", 8), ("icloud.com", 5),
          ("yahoo.fr", 2), ("hotmail.fr", 2), ("mail.ru", 2), ("qq.com", 3), ("163.com", 2), ("gmx.de", 2),
          ("web.de", 2), ("orange.fr", 2), ("rediffmail.com", 2), ("proton.me", 2)]
DESKTOP_UA = [("chrome-win-120", 40), ("edge-win-120", 14), ("chrome-mac-120", 10), ("safari-mac-17", 9),
              ("firefox-win-121", 8), ("chrome-win-119", 7), ("firefox-linux-121", 2), ("chrome-linux-120", 2),
              ("opera-win-105", 2), ("firefox-mac-121", 2)]
MOBILE_UA = [("chrome-android-120-reduced", 52), ("safari-ios-17", 20), ("safari-ios-16", 8),
             ("samsung-internet-23", 7), ("chrome-ios-120", 4), ("chrome-android-119-reduced", 5),
             ("firefox-android-121", 1), ("opera-mini", 1), ("uc-browser", 1), ("miui-browser", 1)]
RARE_UA = 400
DIURNAL = [1, .5, .3, .3, .3, .5, 1, 2, 3, 4, 5, 5, 5, 4.5, 4.5, 4.5, 4.5, 5, 5.5, 6, 6, 5, 3.5, 2]
# How voters connect: home (households), mobile (carriers), office, campus, café.
KINDS = (0.55, 0.25, 0.12, 0.06, 0.02)
CARRIERS, CARRIER_PREFIXES, OFFICES, CAMPUSES, CAFES = 40, 16, 400, 25, 60
# Client flags of a ballot (codes here, texts in bench/sweep_data.py).
NO_DEVICE, NO_PAGE, NO_SCRIPT = 1, 2, 3


def split(rng, total: int, parts: int, sigma: float, least: int = 1) -> list[int]:
    """`total` over `parts` by log-normal shares (largest remainders), each at least `least`."""
    w = rng.lognormal(0.0, sigma, parts)
    spare = total - least * parts
    raw = w / w.sum() * spare
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out))[:spare - int(out.sum())]:
        out[i] += 1
    return [int(x) + least for x in out]


class World:
    """Voters and their ballots as numpy columns (indices into small tables of
    strings), from one seeded generator. Times are seconds after START."""

    def __init__(self, args):
        self.args = args
        self.rng = np.random.default_rng(args.seed)
        self.days = args.days
        self.end = args.days * DAY
        self.sizes = split(self.rng, args.entries, args.categories, 0.5, least=max(2, min(10, args.entries // 18)))
        self.popularity = []  # per category: cumulative Zipf probabilities of its entries (random ranks)
        for n in self.sizes:
            p = 1.0 / np.arange(1, n + 1) ** args.zipf
            self.popularity.append(np.cumsum(self.rng.permutation(p / p.sum())))
        self.prefixes: list[str] = []
        self.domains: list[str] = [d for d, _ in PUBLIC]
        self.public_p = np.array([w for _, w in PUBLIC], float) / sum(w for _, w in PUBLIC)
        self.isp = self.domain_block([f"isp{k}.example" for k in range(300)])
        names = ([n for n, _ in DESKTOP_UA] + [n for n, _ in MOBILE_UA] + [f"d-rare-{k}" for k in range(RARE_UA // 2)]
                 + [f"m-rare-{k}" for k in range(RARE_UA // 2)] + ["chrome-win-108-headless"])
        self.uas = [hashlib.sha256(n.encode()).hexdigest() for n in names]
        self.ua_index = {n: i for i, n in enumerate(names)}
        self.countries = [c for c, _, _ in COUNTRIES] + [FOREIGN]
        self.tz = np.array([tz for _, tz, _ in COUNTRIES] + [0])
        self.country_p = np.array([w for _, _, w in COUNTRIES], float) / sum(w for _, _, w in COUNTRIES)
        self.devices = 0
        self.v: dict[str, list] = {"created": [], "domain": [], "country": []}
        self.b: dict[str, list] = {k: [] for k in ("voter", "cat", "entry", "t", "pfx", "host", "dev", "ua",
                                                   "flag", "page_ms", "truth")}
        self.voters = 0
        self.truth = ["honest"]
        self.carriers = np.array([self.new_prefixes(CARRIER_PREFIXES) for _ in range(CARRIERS)])
        self.carrier_p = 1 / np.arange(1, CARRIERS + 1) ** 0.8
        self.carrier_p /= self.carrier_p.sum()
        self.offices = self.new_prefixes(OFFICES)
        self.office_domains = self.domain_block([f"office{k}.example.org" for k in range(OFFICES)])
        self.office_p = 1 / np.arange(1, OFFICES + 1) ** 0.7
        self.office_p /= self.office_p.sum()
        self.campuses = self.new_prefixes(CAMPUSES)
        self.campus_domains = self.domain_block([f"uni{k}.example.edu" for k in range(CAMPUSES)])
        self.labs = self.new_devices(CAMPUSES * 10).reshape(CAMPUSES, 10)
        self.cafes = self.new_prefixes(CAFES)
        self.cafe_pcs = self.new_devices(CAFES * 4).reshape(CAFES, 4)
        self.desktop_p = self.ua_p(DESKTOP_UA)
        self.mobile_p = self.ua_p(MOBILE_UA)
        self.lab_uas = self.ua_of(np.zeros(CAMPUSES * 10, bool)).reshape(CAMPUSES, 10)
        self.cafe_uas = self.ua_of(np.zeros(CAFES * 4, bool)).reshape(CAFES, 4)

    # -- tables --
    def new_prefixes(self, n: int):
        rng = self.rng
        a = rng.integers(1, 224, n)
        b = rng.integers(0, 256, n)
        c = rng.integers(0, 256, n)
        first = len(self.prefixes)
        self.prefixes += [f"{x}.{y}.{z}" for x, y, z in zip(a.tolist(), b.tolist(), c.tolist())]
        return np.arange(first, first + n)

    def domain_block(self, names: list[str]):
        first = len(self.domains)
        self.domains += names
        return np.arange(first, first + len(names))

    def new_devices(self, n: int):
        first = self.devices
        self.devices += n
        return np.arange(first, first + n)

    def ua_p(self, table):
        """Probabilities over every UA index: the table's browsers, 4 % the long tail of its kind."""
        p = np.zeros(len(self.uas))
        offset = 0 if table is DESKTOP_UA else len(DESKTOP_UA)
        weights = np.array([w for _, w in table], float)
        p[offset:offset + len(table)] = 0.96 * weights / weights.sum()
        rare = len(DESKTOP_UA) + len(MOBILE_UA) + (0 if table is DESKTOP_UA else RARE_UA // 2)
        p[rare:rare + RARE_UA // 2] = 0.04 / (RARE_UA // 2)
        return p

    def ua_of(self, mobile):
        rng = self.rng
        return np.where(mobile, rng.choice(len(self.uas), len(mobile), p=self.mobile_p),
                        rng.choice(len(self.uas), len(mobile), p=self.desktop_p))

    def public_domains(self, n: int):
        """n mail domains among the public providers."""
        return self.rng.choice(len(PUBLIC), n, p=self.public_p)

    def organic_times(self, tz):
        """Session starts: spread over the weeks with an early peak, a daily cycle in local time."""
        rng = self.rng
        n = len(tz)
        day = np.where(rng.random(n) < 0.6, rng.uniform(0, self.days, n),
                       np.minimum(rng.lognormal(np.log(4), 0.8, n), self.days - 0.01)).astype(int)
        hour = rng.choice(24, n, p=np.array(DIURNAL) / sum(DIURNAL))
        t = day * DAY + (hour - tz) * HOUR + rng.uniform(0, HOUR, n)
        t = np.where(t < 0, t + DAY, t)  # a day later, not piled up at the opening
        return np.where(t >= self.end, t - DAY, t)

    def pick_entries(self, cats):
        out = np.empty(len(cats), dtype=np.int32)
        u = self.rng.random(len(cats))
        for c in range(len(self.sizes)):
            at = cats == c
            out[at] = np.minimum(np.searchsorted(self.popularity[c], u[at]), self.sizes[c] - 1)
        return out

    # -- voters and ballots --
    def add_voters(self, created, domain, country):
        n = len(created)
        first = self.voters
        self.v["created"].append(np.asarray(created, float))
        self.v["domain"].append(np.asarray(domain, np.int32))
        self.v["country"].append(np.asarray(country, np.int16))
        self.voters += n
        return np.arange(first, first + n)

    def add_ballots(self, voter, cat, entry, t, pfx, host, dev, ua, flag, page_ms, truth: int = 0):
        n = len(voter)
        for k, v in (("voter", voter), ("cat", cat), ("entry", entry), ("t", t), ("pfx", pfx), ("host", host),
                     ("dev", dev), ("ua", ua), ("flag", flag), ("page_ms", page_ms)):
            self.b[k].append(np.broadcast_to(np.asarray(v), (n,)).copy())
        self.b["truth"].append(np.full(n, truth, np.int8))

    def registration(self, first, on_spot, spot_median=300.0):
        rng = self.rng
        n = len(first)
        spot = rng.random(n) < on_spot
        delay = np.where(spot, rng.lognormal(np.log(spot_median), 0.8, n), rng.lognormal(np.log(DAY), 1.5, n))
        return np.maximum(first - np.maximum(delay, 5.0), -90 * DAY)

    def people(self, n: int, start, k, on_spot: float, forced=None, country=None) -> None:
        """n honest voters: networks, devices, user agents, mail, then their
        ballots (k each, sessions from `start`); `forced` (category, entry) is
        every voter's first ballot (a campaign's supporters)."""
        rng = self.rng
        kind = rng.choice(5, n, p=KINDS)
        if country is None:
            country = rng.choice(len(COUNTRIES), n, p=self.country_p)
        has_country = rng.random(n) >= 0.08
        mobile_device = np.where(kind == 1, True, rng.random(n) < 0.3)
        dev = self.new_devices(n)
        ua = self.ua_of(mobile_device)
        pfx = np.full(n, -1, np.int64)  # -1: a carrier's, per ballot
        host = rng.integers(1, 255, n)
        pool_host = np.zeros(n, bool)  # a campus NAT: one of 4 addresses per ballot
        carrier = rng.choice(CARRIERS, n, p=self.carrier_p)
        domain = np.where(rng.random(n) < 0.85, self.public_domains(n), rng.choice(self.isp, n))
        # Households: several voters behind one address, a third on one family computer.
        home = np.flatnonzero(kind == 0)
        if len(home):
            sizes = rng.choice([1, 2, 3, 4, 5], len(home), p=[.35, .30, .15, .15, .05])
            household = np.repeat(np.arange(len(sizes)), sizes)[:len(home)]
            hh = int(household.max()) + 1
            hh_prefix = rng.choice(self.new_prefixes(hh), hh)  # with replacement: some households share a /24
            hh_host = rng.integers(1, 255, hh)
            pfx[home], host[home] = hh_prefix[household], hh_host[household]
            shared = (rng.random(hh) < 0.35) & (np.bincount(household, minlength=hh) > 1)
            family = self.new_devices(hh)
            on_family = shared[household]
            dev[home[on_family]] = family[household[on_family]]
            ua_family = self.ua_of(rng.random(hh) < 0.3)
            ua[home[on_family]] = ua_family[household[on_family]]
        office = np.flatnonzero(kind == 2)
        which = rng.choice(OFFICES, len(office), p=self.office_p)
        pfx[office], host[office] = self.offices[which], 10 + which % 200
        own = rng.random(len(office)) < 0.7
        domain[office[own]] = self.office_domains[which[own]]
        campus = np.flatnonzero(kind == 3)
        which = rng.integers(0, CAMPUSES, len(campus))
        pfx[campus], pool_host[campus] = self.campuses[which], True
        own = rng.random(len(campus)) < 0.6
        domain[campus[own]] = self.campus_domains[which[own]]
        lab = rng.random(len(campus)) < 0.1
        pc = rng.integers(0, 10, int(lab.sum()))
        dev[campus[lab]], ua[campus[lab]] = self.labs[which[lab], pc], self.lab_uas[which[lab], pc]
        cafe = np.flatnonzero(kind == 4)
        which = rng.integers(0, CAFES, len(cafe))
        pfx[cafe], host[cafe] = self.cafes[which], 7
        pc = rng.integers(0, 4, len(cafe))
        dev[cafe], ua[cafe] = self.cafe_pcs[which, pc], self.cafe_uas[which, pc]
        # Clients: no cookie, an API client (no page), a page whose script never ran.
        flag = np.zeros(n, np.int8)
        r = rng.random(n)
        flag[r < 0.015] = NO_DEVICE
        flag[(r >= 0.015) & (r < 0.018)] = NO_PAGE
        flag[(r >= 0.018) & (r < 0.023)] = NO_SCRIPT
        # Ballots: k distinct categories each, about 20 s apart, a sixth coming back later.
        cats_n = len(self.sizes)
        total = int(k.sum())
        owner = np.repeat(np.arange(n), k)
        pos = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
        order = np.argsort(rng.random((n, cats_n)), axis=1)
        if forced is not None:
            fc = forced[0]
            at = np.argmax(order == fc, axis=1)  # move the campaign's category first
            order[np.arange(n), at] = order[:, 0]
            order[:, 0] = fc
        cat = order[owner, pos]
        entry = self.pick_entries(cat)
        if forced is not None:
            entry[pos == 0] = forced[1]
        gaps = 2 + rng.lognormal(np.log(20), 0.8, total)
        gaps[pos == 0] = 0
        cs = np.cumsum(gaps)
        t = start[owner] + cs - cs[np.cumsum(k) - k][owner]
        later = (k >= 4) & (rng.random(n) < 1 / 6)
        split_at = np.where(later, rng.integers(1, np.maximum(k, 2)), 10**6)
        t = t + np.where(pos >= split_at[owner], rng.lognormal(np.log(DAY), 1.0, n)[owner], 0)
        voters = self.add_voters(self.registration(start, on_spot), domain, np.where(has_country, country, -1))
        bpfx = pfx[owner]
        mob = bpfx < 0
        bpfx[mob] = self.carriers[carrier[owner[mob]], rng.integers(0, CARRIER_PREFIXES, int(mob.sum()))]
        bhost = host[owner]
        bhost[mob] = rng.integers(1, 255, int(mob.sum()))
        pool = pool_host[owner]
        bhost[pool] = 20 + rng.integers(0, 4, int(pool.sum()))
        bflag = flag[owner]
        bdev = np.where(bflag == NO_DEVICE, -1, dev[owner])
        page = np.maximum(rng.lognormal(np.log(9000), 0.7, total), 1500).astype(np.int64)
        page[bflag == NO_PAGE] = -1
        self.add_ballots(voters[owner], cat, entry, t, bpfx, bhost, bdev, ua[owner], bflag, page)

    def honest(self, total: int) -> None:
        rng = self.rng
        a = self.args
        # Campaigns: a project mails its supporters 1-3 times; they answer over the next hours.
        supporters = 0
        for i in range(a.campaigns):
            size = max(20, int(a.campaign_size / (i + 1) ** 0.9))
            cat = int(rng.integers(0, len(self.sizes)))
            entry = int(rng.integers(0, min(8, self.sizes[cat])))
            waves = np.sort(rng.uniform(0.5, self.days - 1.5, rng.integers(1, 4))) * DAY
            start = np.minimum(rng.choice(waves, size) + rng.lognormal(np.log(2 * HOUR), 1.1, size), self.end - 1)
            k = np.where(rng.random(size) < 0.5, 1, rng.integers(2, len(self.sizes) + 1, size))
            self.people(size, start, k, 0.65, forced=(cat, entry))
            supporters += int(k.sum())
        # Everyone else: 20 % one ballot, 30 % all 18, the rest 2-17 (10.35 on average).
        cats = len(self.sizes)
        mean = 0.2 + 0.3 * cats + 0.5 * (2 + cats - 1) / 2
        n = max(1, int((total - supporters) / mean * 1.03))
        k = np.where(rng.random(n) < 0.2, 1, np.where(rng.random(n) < 0.375, cats, rng.integers(2, cats, n)))
        country = rng.choice(len(COUNTRIES), n, p=self.country_p)
        self.people(n, self.organic_times(self.tz[country]), k, 0.5, country=country)

    def cluster(self, truth: str, created, country, domain, ballots) -> None:
        """An attack's voters (arrays) and their ballots: (voter index among them, cat, entry, t, pfx, host,
        dev, ua, flag, page_ms) rows, labelled `truth`."""
        self.truth.append(truth)
        voters = self.add_voters(created, domain, country)
        cols = list(zip(*ballots))
        self.add_ballots(voters[np.array(cols[0])], *[np.array(c) for c in cols[1:]], truth=len(self.truth) - 1)

    def finish(self, total: int) -> dict:
        """Columns in cast order, within the voting window, `total` ballots (honest ones left out at
        random if there are more)."""
        b = {k: np.concatenate(v) for k, v in self.b.items()}
        v = {k: np.concatenate(x) for k, x in self.v.items()}
        keep = (b["t"] >= 0) & (b["t"] < self.end)
        excess = int(keep.sum()) - total
        if excess > 0:
            keep[self.rng.choice(np.flatnonzero(keep & (b["truth"] == 0)), excess, replace=False)] = False
        order = np.flatnonzero(keep)[np.argsort(b["t"][keep], kind="stable")]
        b = {k: x[order] for k, x in b.items()}
        # Every account exists before its first ballot.
        first = np.full(len(v["created"]), np.inf)
        np.minimum.at(first, b["voter"], b["t"])
        v["created"] = np.minimum(v["created"], first - 1)
        self.b, self.v = b, v
        return {"ballots": len(b["t"]), "voters": len(np.unique(b["voter"])),
                "accounts": len(v["created"]), "prefixes": len(self.prefixes),
                "devices": len(np.unique(b["dev"][b["dev"] >= 0])),
                "by_truth": {name: int((b["truth"] == i).sum()) for i, name in enumerate(self.truth)}}
