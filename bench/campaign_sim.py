"""The honest population of bench/campaign.py: each pattern its own scenario label.

Organic voters (households, people on phones behind carrier-grade NAT,
offices, campuses, internet cafés) arrive over the three weeks in their own
time zone's daily rhythm; campaigns make waves: projects mailing their
supporters, organisations mobilising their members, classes voting in one
room, the Forum's venue Wi-Fi after a pitch, supporters answering a post.
A few honest clients use the API without a page. Every browser voter renders
the page, runs its script and spends a person's time on it.
"""

from __future__ import annotations

import math

from campaign_world import CATEGORIES, CHROME_VERSION, DAY, HOUR, MINUTE, World

HONEST = ("household", "mobile", "office", "campus", "cafe", "project_mailing", "organisation", "classroom",
          "venue_attendee", "venue_pitch", "supporter_wave", "opening_day", "api_client")


def person(w: World, label: str, tz: int, country: str | None, net, *, mobile: bool, t0: float | None = None,
           hours: str = "any", k: int | None = None, first: int | None = None, domain: str | None = None,
           spot: float = 0.45, created: float | None = None, device: str | None = None, ua: str | None = None,
           in_app: float = 0.0, page_median: float = 25.0, split: float = 0.25, flags=None, reg_net=None) -> int:
    """One honest voter: an account, then one sitting (or two, days apart) of ballots. `net` is an
    (ip, prefix) or a function drawing one per sitting (a carrier's NAT, a pool)."""
    r = w.rng
    t0 = w.organic_time(tz, hours) if t0 is None else t0
    ua = ua or w.ua(mobile, t0, in_app)
    device = w.device() if device is None else device
    picks = w.picks(k or w.how_many(mobile), first)
    created = w.registration(t0, spot) if created is None else created
    reg = reg_net or net
    reg_ip = (reg() if callable(reg) else reg)[0]
    v = w.voter(created, domain or w.public_domain(), w.claimed(country), label, reg_ip)
    flags = w.client_flags(ua) if flags is None else flags
    think = (lambda i: w.page_time(i, page_median)) if page_median != 25.0 else None
    sittings = [(t0, picks)]
    if len(picks) >= 4 and r.random() < split:  # the rest of the categories another day
        cut = r.randint(1, len(picks) - 1)
        sittings = [(t0, picks[:cut]), (t0 + r.uniform(0.3, 6) * DAY, picks[cut:])]
    for t, chosen in sittings:
        w.session(v, t, chosen, net() if callable(net) else net, device, ua, think, flags)
    return v


def carrier(w: World, code: str):
    c = w.carrier_of(code)
    return lambda: w.carrier_ip(c)


def campaign_entry(w: World, top: int = 15) -> int:
    return w.rng.randrange(CATEGORIES) * 100 + w.rng.randrange(top)


def honest(w: World) -> None:
    """Every honest scenario; their parameters go to w.params."""
    r = w.rng
    w.project_entries = [campaign_entry(w) for _ in range(w.n(10))]
    w.wave_entries = [campaign_entry(w) for _ in range(w.n(4))]
    w.set_boost({e: r.uniform(3, 6) for e in w.project_entries + w.wave_entries})
    w.campaigns: list[tuple[int, float]] = []  # (entry, when): what an attacker could hide in
    w.wave_posts: list[tuple[int, float, str]] = []  # (entry, post, country): the waves a mixer hides in
    households(w)
    mobile(w)
    workplaces(w)
    cafes(w)
    mailings(w)
    organisations(w)
    classrooms(w)
    venue(w)
    waves(w)
    opening_day(w)
    api_clients(w, len(w.voters))


def households(w: World) -> None:
    r = w.rng
    sizes, shared_n = [], 0
    for _ in range(w.n(1500)):
        size = r.choices([1, 2, 3, 4, 5], [35, 30, 15, 15, 5])[0]
        code, tz = w.country()
        home = w.residential_ip()
        shared = size > 1 and r.random() < 0.35  # the family computer
        sizes.append(size)
        shared_n += shared
        t = w.organic_time(tz)
        family_device, family_ua = w.device(), w.ua(False, t)
        for _ in range(size):
            on_phone = r.random() < 0.4
            if shared:  # one after the other
                t += r.uniform(2 * MINUTE, 3 * HOUR)
                person(w, "household", tz, code, home, mobile=False, t0=t, device=family_device, ua=family_ua,
                       split=0)
            elif on_phone and r.random() < 0.5:
                person(w, "household", tz, code, carrier(w, code), mobile=True, reg_net=home)
            else:
                person(w, "household", tz, code, home, mobile=on_phone)
    w.params["household"] = {"households": len(sizes), "sizes": "1-5 (35/30/15/15/5 %)",
                             "family_computer": shared_n, "on_phone": "40 %, half of them on the carrier"}


def mobile(w: World) -> None:
    """People on their phones only: national carriers NAT thousands behind a few /24s each; the
    reduced Android Chrome UA is one string per version."""
    r = w.rng
    for _ in range(w.n(3000)):
        if r.random() < 0.6:
            code, tz, pool = r.choice(w.big_carriers)
            person(w, "mobile", tz, code, lambda p=pool: w.carrier_ip(p), mobile=True)
        else:
            code, tz = w.country()
            person(w, "mobile", tz, code, carrier(w, code), mobile=True)
    w.params["mobile"] = {"people": w.n(3000), "carriers": sum(len(c) for c in w.carriers.values()),
                          "prefixes": sum(len(p) for c in w.carriers.values() for p in c),
                          "big_carriers": {c: len(p) for c, _, p in w.big_carriers},
                          "on_big_carriers": 0.6}


def workplaces(w: World) -> None:
    r = w.rng
    for label, count, size_range, own_domain in (("office", 60, (5, 40), 0.7), ("campus", 6, (120, 300), 0.6)):
        sizes = []
        for _ in range(w.n(count)):
            code, tz = w.country()
            prefix = w.allocate()
            pool = [w.host(prefix, r.randint(1, 254)) for _ in range(1 if label == "office" else 4)]
            domain = f"{w.ident(label)}.{'org' if label == 'office' else 'edu'}"
            labs = [(w.device(), w.ua(False, w.start)) for _ in range(10)]
            sizes.append(r.randint(*size_range))
            for _ in range(sizes[-1]):
                lab = label == "campus" and r.random() < 0.1
                device, ua = r.choice(labs) if lab else (None, None)
                person(w, label, tz, code, lambda p=pool: r.choice(p), mobile=r.random() < 0.3,
                       hours="work" if label == "office" else "any", device=device, ua=ua, spot=0.4,
                       domain=domain if r.random() < own_domain else w.public_domain())
        w.params[label] = {"sites": len(sizes), "people": f"{min(sizes)}-{max(sizes)} per site",
                           "addresses": 1 if label == "office" else 4, "own_domain": own_domain}


def cafes(w: World) -> None:
    r = w.rng
    for _ in range(w.n(8)):
        code, tz = w.country()
        ip = w.residential_ip()
        pcs = [(w.device(), w.ua(False, w.start)) for _ in range(4)]
        for _ in range(r.randint(15, 40)):
            device, ua = r.choice(pcs)
            person(w, "cafe", tz, code, ip, mobile=False, device=device, ua=ua, spot=0.6, split=0)
    w.params["cafe"] = {"cafes": w.n(8), "customers": "15-40 each", "computers": 4}


def mailings(w: World) -> None:
    """Projects mail their supporters one to three times; supporters answer over hours."""
    r = w.rng
    sizes = []
    for i, entry in enumerate(w.project_entries):
        sizes.append(int(700 / (i % 10 + 1) ** 0.9 * r.uniform(0.7, 1.3)))
        code, tz = w.country()
        office = w.host(w.allocate(), r.randint(1, 254))
        mails = sorted(w.local_time(r.randint(0, w.days - 2), tz, "work") for _ in range(r.randint(1, 3)))
        w.campaigns += [(entry, t) for t in mails]
        phones = r.uniform(0.3, 0.8)
        for _ in range(sizes[-1]):
            t0 = r.choice(mails) + r.lognormvariate(math.log(2 * HOUR), 1.1)
            on_phone = r.random() < phones
            net = office if r.random() < 0.1 else carrier(w, code) if on_phone and r.random() < 0.6 \
                else w.residential_ip()
            person(w, "project_mailing", tz, code, net, mobile=on_phone, t0=t0, first=entry, spot=0.65,
                   k=1 if r.random() < 0.5 else r.randint(2, CATEGORIES))
    w.params["project_mailing"] = {"projects": len(sizes), "supporters": sizes, "mailings": "1-3 each",
                                   "reply": "log-normal, median 2 h"}


def organisations(w: World) -> None:
    """A ministry, an NGO, a university mails its members: accounts on its own domain within an
    hour or two, from homes, phones and some from the office; most vote only for its entry."""
    r = w.rng
    drawn = []
    for i in range(w.n(3)):
        kind, tld = [("ministry", "gov"), ("ngo", "org"), ("university", "edu")][i % 3]
        code, tz = w.country()
        members, entry = r.randint(50, 400), campaign_entry(w, 25)
        domain = f"{w.ident(kind)}.{tld}"
        prefix = w.allocate()
        pool = [w.host(prefix, r.randint(1, 254)) for _ in range(1 if kind != "university" else 4)]
        mailing = w.local_time(w.weekday(1, w.days - 2), tz, "work")
        reminder = mailing + r.uniform(2, 5) * DAY if r.random() < 0.5 else None
        at_office = r.uniform(0.1, 0.35)
        w.campaigns.append((entry, mailing))
        drawn.append({"kind": kind, "members": members, "at_office": round(at_office, 2),
                      "reminder": reminder is not None})
        for _ in range(members):
            base = reminder if reminder and r.random() < 0.25 else mailing
            created = base + r.lognormvariate(math.log(30 * MINUTE), 0.8)
            t0 = created + w.signup_floor + r.lognormvariate(math.log(90), 0.6)
            if r.random() < 0.2:  # made the account now, votes later
                t0 += r.uniform(2 * HOUR, 4 * DAY)
            office = r.random() < at_office
            on_phone = not office and r.random() < 0.5
            net = (lambda p=pool: r.choice(p)) if office else carrier(w, code) if on_phone else w.residential_ip()
            person(w, "organisation", tz, code, net, mobile=on_phone, t0=t0, created=created, first=entry,
                   domain=domain, k=1 if r.random() < 0.7 else r.randint(2, CATEGORIES), split=0)
    w.params["organisation"] = {"organisations": drawn}


def classrooms(w: World) -> None:
    """A class in one room behind the school's NAT address: accounts made minutes before, all vote
    within about 15 minutes for their class's entry; every other class on identical Chromebooks."""
    r = w.rng
    schools = []
    for _ in range(max(1, w.n(6) // 2)):
        code, tz = w.country()
        schools.append((code, tz, w.host(w.allocate(), r.randint(1, 254)), f"{w.ident('school')}.edu"))
    drawn = []
    for i in range(w.n(6)):
        code, tz, ip, domain = schools[i % len(schools)]
        size, entry, chromebooks = r.randint(20, 60), campaign_entry(w, 30), i % 2 == 0
        start = w.local_time(w.weekday(1, w.days - 1), tz, "work")
        fleet = f"chrome-cros-{CHROME_VERSION + (start > w.release + w.rollout)}"  # managed: all one version
        drawn.append({"students": size, "chromebooks": chromebooks})
        for _ in range(size):
            created = start + r.uniform(0, 6 * MINUTE) + r.lognormvariate(math.log(60), 0.5)
            t0 = created + w.signup_floor + r.lognormvariate(math.log(60), 0.6)
            school_mail = r.random() < (0.85 if chromebooks else 0.4)
            person(w, "classroom", tz, code, ip, mobile=not chromebooks, t0=t0, created=created, first=entry,
                   ua=fleet if chromebooks else None, k=1 if r.random() < 0.85 else r.randint(2, 3),
                   domain=domain if school_mail else w.public_domain(), page_median=15, split=0)
    w.params["classroom"] = {"schools": len(schools), "classes": drawn}


def venue(w: World) -> None:
    """The Forum, a working week in Geneva: attendees behind 1-4 addresses of the venue's /24 vote
    across the days; a session pitch makes 50-200 of them register and vote for one entry."""
    r = w.rng
    prefix = w.allocate()
    addresses = [w.host(prefix, k) for k in r.sample(range(1, 255), r.randint(1, 4))]
    weeks = max(1, w.days // 7)
    first = 7 * r.randint(min(1, weeks - 1), weeks - 1)  # a Monday, not the first week's if it can
    days = (first, min(first + 4, w.days - 1))

    def wifi() -> tuple[str, str]:
        return r.choice(addresses)

    for _ in range(w.n(600)):
        code, _ = w.country()
        person(w, "venue_attendee", 1, code, wifi, mobile=r.random() < 0.7, hours="work", spot=0.5,
               t0=w.organic_time(1, "work", days), split=0.1)
    pitches = []
    for _ in range(w.n(3)):
        entry, size, span = campaign_entry(w, 30), r.randint(50, 200), r.uniform(20, 30) * MINUTE
        pitch = w.local_time(r.randint(*days), 1, "work")
        w.campaigns.append((entry, pitch))
        pitches.append({"people": size, "minutes": round(span / MINUTE)})
        for _ in range(size):
            created = pitch + span * 0.8 * r.betavariate(1.5, 3)
            on_phone = r.random() < 0.75
            code, _ = w.country()
            person(w, "venue_pitch", 1, code, wifi, mobile=on_phone, t0=created + w.signup_floor + r.uniform(20, 150),
                   created=created, first=entry, k=1 if r.random() < 0.8 else r.randint(2, 4), page_median=15,
                   domain=None if r.random() < 0.85 else f"{w.ident('org')}.org", split=0)
    w.params["venue_attendee"] = {"attendees": w.n(600), "addresses": len(addresses), "days": list(days)}
    w.params["venue_pitch"] = {"pitches": pitches}


def waves(w: World) -> None:
    """A team posts on social media: 100-1500 supporters make an account and vote at once, only
    for that entry, from homes and phones (many in the app's own browser)."""
    r = w.rng
    drawn = []
    for entry in w.wave_entries:
        size = int(math.exp(r.uniform(math.log(100), math.log(1500))))
        code, tz = w.country()
        post = w.local_time(r.randint(1, w.days - 2), tz, "evening")
        phones = r.uniform(0.55, 0.8)
        w.campaigns.append((entry, post))
        w.wave_posts.append((entry, post, code))
        drawn.append({"people": size, "phones": round(phones, 2)})
        for _ in range(size):
            created = post + r.lognormvariate(math.log(12 * MINUTE), 1.0)
            home = code if r.random() < 0.8 else w.country()[0]
            on_phone = r.random() < phones
            person(w, "supporter_wave", tz, home, carrier(w, home) if on_phone else w.residential_ip(),
                   mobile=on_phone, t0=created + w.signup_floor + r.lognormvariate(math.log(60), 0.6), created=created,
                   first=entry, k=1, in_app=0.45 if on_phone else 0.1, page_median=15, split=0)
    w.params["supporter_wave"] = {"waves": drawn, "arrival": "log-normal after the post, median 12 min"}


def opening_day(w: World) -> None:
    """People who registered when the prize was announced, 3-40 days before voting opened, one by
    one, and voted nothing in between (there was nothing to vote for), come when the "voting is
    open" mail reaches them: most within hours of the opening, from their own homes and phones,
    their first ballot for one of the few finalists the announcement featured (an entry of theirs,
    their organisation's), half of them for nothing else."""
    r = w.rng
    finalists = [campaign_entry(w, 5) for _ in range(8)]
    people = w.n(900)
    for _ in range(people):
        code, tz = w.country()
        on_phone = r.random() < 0.5
        t0 = w.start + r.lognormvariate(math.log(2 * HOUR), 1.0)
        created = w.start - r.uniform(3, 40) * DAY
        net = carrier(w, code) if on_phone and r.random() < 0.6 else w.residential_ip()
        person(w, "opening_day", tz, code, net, mobile=on_phone, t0=t0, created=created,
               first=r.choice(finalists), k=1 if r.random() < 0.5 else r.randint(2, CATEGORIES),
               reg_net=w.residential_ip())
    w.params["opening_day"] = {"people": people, "finalists": len(finalists),
                               "registered": "3-40 days before the opening",
                               "first_ballot": "log-normal after the opening, median 2 h"}


def api_clients(w: World, honest_so_far: int) -> None:
    """About 0.3 % of honest voters vote through an app or an accessibility tool using the API:
    no page, spread over the entries."""
    r = w.rng
    n = max(3, round(0.003 * honest_so_far / 0.997))
    apps = [("app-android-3.2", True), ("app-ios-3.2", True), ("screenreader-bridge-1.4", True),
            ("python-requests-2.31", False)]
    for _ in range(n):
        code, tz = w.country()
        ua, cookies = r.choices(apps, [4, 3, 2, 1])[0]
        net = carrier(w, code) if ua.startswith("app") and r.random() < 0.5 else w.residential_ip()
        person(w, "api_client", tz, code, net, mobile=ua.startswith("app"), ua=ua,
               device=None if cookies else "", flags=("no_page",))
    w.params["api_client"] = {"people": n, "share_of_honest": 0.003, "clients": [a for a, _ in apps]}
