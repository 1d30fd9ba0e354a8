"""The attacks of bench/campaign.py: each instance's size, pace and tricks drawn from ranges.

Every attack is as evasive as its kind of operator realistically is: farms
that can afford it clear cookies, send the commonest browsers' user agents,
pause like people and spread over residential proxies; the careful ones hide
their push inside the target's own honest campaign. What each still cannot
help is named in its docstring.
"""

from __future__ import annotations

import math

from campaign_world import DAY, FOREIGN_COUNTRY, HOUR, MINUTE, World

TARGETS = ("bot_farm", "device_farm", "scripted", "sock_puppets", "foreign", "ua_farm", "careful_script",
           "slow_farm", "aged_farm", "click_farm", "network_farm", "aged_spread", "camouflage_farm")
# Attacks nothing the server records separates from the people they imitate: reported, not targets
# (campaign_blind.py; docs/fraud.md, "Known blind spots").
BLIND_SPOTS = ("stealth", "cgnat_farm", "paid_crowd", "wave_mixer")
# Variants run as instances of their own (careful_script: no page, and a page without its script;
# camouflage_farm: sock puppets, an aged batch, a browser farm on one network).
RUNS = {"careful_script": 2, "camouflage_farm": 3}


def attacks(w: World) -> None:
    for name in TARGETS + BLIND_SPOTS:
        runs = RUNS.get(name, 1)
        for i in range(max(runs, w.n(runs))):
            drawn = ATTACKS[name](w, i)
            w.params.setdefault(name, {"instances": []})["instances"].append(drawn)


def target(w: World, span: float, align: float = 0.0) -> tuple[int, float, bool]:
    """The entry pushed and when the push starts (so that it ends before the close). With
    probability `align`, a campaigning entry, during its own honest campaign."""
    r = w.rng
    if align and w.campaigns and r.random() < align:
        entry, when = r.choice(w.campaigns)
        t = when + r.uniform(-HOUR, 3 * HOUR)
        if w.start + HOUR < t < w.end - span - HOUR:
            return entry, t, True
    entry = r.randrange(18) * 100 + r.randrange(3, 30)
    return entry, w.start + r.uniform(1.0 * DAY, max(1.5 * DAY, w.end - w.start - span - 2 * HOUR)), False


def account(w: World, label: str, created: float, domain: str, ip: tuple[str, str], country: str | None = None) -> int:
    return w.voter(created, domain, country if country is not None else w.country()[0], label, ip[0])


def quick(w: World, lo: float, hi: float):
    return lambda i: w.rng.uniform(lo, hi)


def human(w: World, median: float):
    return lambda i: w.page_time(i, median)


def bot_farm(w: World, _: int) -> dict:
    """Accounts on one fresh domain from one datacenter /24, in one burst; a headless browser
    (page and script) or plain HTTP (no page). Cannot help: its /24, its domain, its burst."""
    r = w.rng
    size, spread = r.randint(150, 350), r.uniform(20, 45) * MINUTE
    entry, t, _ = target(w, spread + HOUR)
    domain, prefix, headless = f"{w.ident('mx')}.top", w.allocate(), r.random() < 0.5
    ua = w.chrome("chrome-win", t)
    for _ in range(size):
        created, ip = t + r.uniform(0, spread), w.host(prefix, r.randint(1, 254))
        v = account(w, "bot_farm", created, domain, ip)
        w.session(v, created + r.uniform(60, 600), w.camouflage(entry, 0.4, 3), ip,
                  w.ident("d") if headless else "", ua, quick(w, 2.5, 6), () if headless else ("no_page",))
    return {"accounts": size, "minutes": round(spread / MINUTE), "client": "headless" if headless else "http"}


def device_farm(w: World, _: int) -> dict:
    """Aged accounts cycled by hand through a few phones behind a carrier, over a day. Cannot help:
    one device cookie per phone (logging out keeps it)."""
    r = w.rng
    entry, t, _ = target(w, DAY)
    code = w.country()[0]
    carrier, phones = w.carrier_of(code), r.randint(4, 8)
    ua, total = w.chrome("chrome-android", t), 0
    for _ in range(phones):
        device, clock, pause = w.ident("d"), t + r.uniform(0, 2 * HOUR), r.uniform(10, 40) * MINUTE
        for _ in range(r.randint(20, 40)):
            ip = w.carrier_ip(carrier)
            v = account(w, "device_farm", clock - r.uniform(2, 30) * DAY, w.public_domain(), w.residential_ip(), code)
            clock = w.session(v, clock, w.camouflage(entry, 0.6, 2), ip, device, ua, human(w, 8))
            clock += pause * r.uniform(0.5, 1.5)
            total += 1
    return {"phones": phones, "accounts": total}


def scripted(w: World, _: int) -> dict:
    """A timer (a little jitter) over aged accounts, one residential proxy per ballot, two runs;
    Selenium (page, set sleep) or plain HTTP (no page). Cannot help: its regular beat."""
    r = w.rng
    every, jitter = r.uniform(25, 60), r.uniform(0.01, 0.08)
    entry, _, _ = target(w, 0)
    selenium, cookies = r.random() < 0.5, r.random() < 0.5
    sleep, total = r.uniform(3, 6), 0
    for _ in range(2):
        _, t, _ = target(w, 2 * HOUR)
        for _ in range(r.randint(60, 100)):
            ip = w.residential_ip()
            v = account(w, "scripted", t - r.uniform(2, 30) * DAY, w.public_domain(), ip)
            wait = sleep * (1 + r.uniform(-jitter, jitter))
            w.session(v, t - wait, [(entry // 100, entry)], ip, w.ident("d") if cookies else "",
                      w.ua(r.random() < 0.5, t), lambda i, s=wait: s, () if selenium else ("no_page",))
            t += every * (1 + r.uniform(-jitter, jitter))
            total += 1
    return {"accounts": total, "every_s": round(every, 1), "jitter": round(jitter, 3),
            "client": "selenium" if selenium else "http"}


def sock_puppets(w: World, _: int) -> dict:
    """Accounts voting seconds after sign-up, for one entry, from residential proxies. Cannot help:
    the seconds between sign-up and ballot."""
    r = w.rng
    size, spread = r.randint(60, 150), r.uniform(4, 10) * HOUR
    entry, t, _ = target(w, spread)
    for _ in range(size):
        created, ip, delay = t + r.uniform(0, spread), w.residential_ip(), r.uniform(4, 20)
        page = r.uniform(2.2, min(delay - 1, 8))
        v = account(w, "sock_puppets", created, w.public_domain(), ip)
        w.session(v, created + delay - page, [(entry // 100, entry)], ip, w.ident("d"),
                  w.ua(r.random() < 0.5, created), lambda i, s=page: s)
    return {"accounts": size, "hours": round(spread / HOUR, 1)}


def foreign(w: World, _: int) -> dict:
    """Voters from a country the contest does not admit, otherwise people."""
    r = w.rng
    size = r.randint(80, 150)
    entry, t, _ = target(w, 3 * DAY)
    for _ in range(size):
        t0, ip = t + r.uniform(0, 3 * DAY), w.residential_ip()
        v = account(w, "foreign", t0 - r.uniform(2, 30) * DAY, w.public_domain(), ip, FOREIGN_COUNTRY)
        w.session(v, t0, w.camouflage(entry, 0.7, 5), ip, w.ident("d"), w.ua(r.random() < 0.5, t0))
    return {"voters": size, "country": FOREIGN_COUNTRY}


def ua_farm(w: World, _: int) -> dict:
    """A proxy farm whose headless browser sends an outdated user agent. Cannot help: that string."""
    r = w.rng
    size, spread = r.randint(100, 200), r.uniform(1, 3) * HOUR
    entry, t, _ = target(w, spread)
    for _ in range(size):
        t0, ip = t + r.uniform(0, spread), w.residential_ip()
        v = account(w, "ua_farm", t0 - r.uniform(2, 30) * DAY, w.public_domain(), ip)
        w.session(v, t0, w.camouflage(entry, 0.3, 2), ip, w.ident("d"), "chrome-headless-108", quick(w, 2.2, 5))
    return {"accounts": size, "hours": round(spread / HOUR, 1)}


def careful_script(w: World, variant: int) -> dict:
    """Big-webmail accounts, every ballot from another residential network, a person's pause
    before each, all for one entry, in one to three evenings, often inside the entry's own
    campaign. Cannot help: its client never rendered the page (no_page), or (variant) fetched it
    but never ran its script (no_script)."""
    r = w.rng
    size, sittings = r.randint(80, 250), r.randint(1, 3)
    gap = r.uniform(90, 300)  # median seconds between accounts
    entry, t, aligned = target(w, sittings * DAY + size / sittings * gap * 2, 0.5)
    fresh, cookies = r.random() < 0.5, r.random() < 0.7
    flags = ("no_page",) if variant % 2 == 0 else ("no_script",)
    for s in range(sittings):
        clock = t + s * r.uniform(0.8, 1.2) * DAY
        for _ in range(size // sittings):
            clock += r.lognormvariate(math.log(gap), 0.8)
            ip = w.residential_ip()
            created = clock - 45 - r.lognormvariate(math.log(150), 0.6) if fresh else clock - r.uniform(1, 6) * DAY
            v = account(w, "careful_script", created, w.webmail_domain(), ip if fresh else w.residential_ip())
            clock = w.session(v, clock, [(entry // 100, entry)], ip, w.ident("d") if cookies else "",
                              w.ua(r.random() < 0.5, clock), human(w, 25), flags)
    return {"accounts": size // sittings * sittings, "sittings": sittings, "gap_s": round(gap), "flags": flags[0],
            "accounts_made": "minutes before" if fresh else "days before", "cookies": cookies, "in_campaign": aligned}


def slow_farm(w: World, _: int) -> dict:
    """One /24, its own domain or webmail, one account every few minutes during a working day, for
    3-7 days, cookies cleared, the commonest browser, people's page times. Cannot help: one /24
    voting for one entry day after day."""
    r = w.rng
    days, total, hours = r.randint(3, 7), r.randint(150, 400), r.uniform(4, 10)
    entry, t, aligned = target(w, (days + 1) * DAY, 0.3)
    own = r.random() < 0.5
    domain, prefix, tz = f"{w.ident('mail')}.net", w.allocate(), w.country()[1]
    clears = r.random() < 0.7
    browsers = [(w.ident("d"), w.chrome(r.choice(("chrome-win", "chrome-win", "chrome-mac")), t))
                for _ in range(r.randint(1, 3))]
    every, made = hours * HOUR / (total / days), 0
    day0 = int((t - w.start) // DAY)
    for d in range(days):
        clock = w.start + (day0 + d) * DAY + (r.uniform(8, 14) - tz) * HOUR
        for _ in range(total // days):
            clock += every * r.lognormvariate(0, 0.5)
            ip, (device, ua) = w.host(prefix, r.randint(1, 254)), r.choice(browsers)
            v = account(w, "slow_farm", clock, domain if own else w.webmail_domain(), ip)
            w.session(v, clock + 60 + r.lognormvariate(math.log(90), 0.5), w.camouflage(entry, 0.3, 3), ip,
                      w.ident("d") if clears else device, ua, human(w, 12))
            made += 1
    return {"accounts": made, "days": days, "hours_a_day": round(hours, 1), "every_min": round(every / MINUTE, 1),
            "domain": "own" if own else "webmail", "cookies_cleared": clears, "in_campaign": aligned}


def aged_farm(w: World, _: int) -> dict:
    """Batches of accounts made weeks ago within an hour or two, woken within a few hours to vote
    for one entry from residential proxies, common browsers, people's page times. Cannot help: the
    batch it was made in."""
    r = w.rng
    batches, spread = [r.randint(100, 300) for _ in range(r.randint(1, 3))], r.uniform(2, 6) * HOUR
    entry, wake, aligned = target(w, spread + 4 * HOUR, 0.3)
    own = r.random() < 0.3
    domain = f"{w.ident('mail')}.com"
    drawn = []
    for size in batches:
        made, made_over = wake - r.uniform(14, 42) * DAY, r.uniform(1, 2) * HOUR
        start = wake + r.uniform(0, 3 * HOUR)
        drawn.append({"accounts": size, "weeks_before": round((wake - made) / DAY / 7, 1)})
        for _ in range(size):
            t0, ip = start + r.uniform(0, spread), w.residential_ip()
            v = account(w, "aged_farm", made + r.uniform(0, made_over), domain if own else w.webmail_domain(),
                        w.residential_ip())
            w.session(v, t0, w.camouflage(entry, 0.4, 3), ip, w.ident("d"), w.ua(r.random() < 0.5, t0),
                      human(w, 20))
    return {"batches": drawn, "voting_hours": round(spread / HOUR, 1), "domain": "own" if own else "webmail",
            "in_campaign": aligned}


def click_farm(w: World, _: int) -> dict:
    """People in 2-4 offices (one address each) working through accounts on cheap identical phones,
    by hand, over days, with camouflage. Cannot help: an office address and a phone model voting
    for one entry day after day (and a phone's cookie, where they do not clear it)."""
    r = w.rng
    offices, workers, days = r.randint(2, 4), r.randint(3, 8), r.randint(2, 5)
    total = r.randint(200, 600)
    per_worker_day = max(1, round(total / (offices * workers * days)))
    entry, t, aligned = target(w, (days + 1) * DAY, 0.3)
    code, tz = w.country()
    stock = r.random() < 0.4
    ua = f"stock-browser-{r.randint(1, 50)}" if stock else w.chrome("chrome-android", t)
    day0, made, clearing = int((t - w.start) // DAY), 0, []
    for _ in range(offices):
        ip, clears = w.host(w.allocate(), r.randint(1, 254)), r.random() < 0.5
        clearing.append(clears)
        for d in range(days):
            for _ in range(workers):
                phone = w.ident("d")
                clock = w.start + (day0 + d) * DAY + (r.uniform(8.5, 10.5) - tz) * HOUR
                gap = 8 * HOUR / per_worker_day
                for _ in range(per_worker_day):
                    v = account(w, "click_farm", clock, w.webmail_domain(), ip, w.claimed(code))
                    clock = w.session(v, clock + 60 + r.lognormvariate(math.log(60), 0.5),
                                      w.camouflage(entry, 0.4, 3), ip, w.ident("d") if clears else phone, ua,
                                      human(w, 10))
                    clock += gap * r.lognormvariate(0, 0.4)
                    made += 1
    return {"offices": offices, "workers_each": workers, "days": days, "accounts": made,
            "ua": "stock browser" if stock else "reduced Android Chrome", "cookies_cleared": clearing,
            "in_campaign": aligned}


def network_farm(w: World, _: int) -> dict:
    """A farm on one /24: several VMs/browsers (a few common user agents), cookies cleared or not,
    each VM working through accounts one after another over hours. Cannot help: one network's
    fresh accounts voting for one entry, hour after hour, one session at a time per VM."""
    r = w.rng
    size, vms, hours = r.randint(100, 400), r.randint(3, 8), r.uniform(3, 10)
    entry, t, aligned = target(w, hours * HOUR + HOUR, 0.3)
    prefix, nat = w.allocate(), r.random() < 0.5
    shared_ip = w.host(prefix, r.randint(1, 254))
    uas = [w.chrome("chrome-win", t), "edge-win-120", "firefox-win-121"][:r.randint(1, 3)]
    clears, automated, own = r.random() < 0.7, r.random() < 0.5, r.random() < 0.5  # anti-detect browsers clear
    domain = f"{w.ident('mail')}.org"
    per_vm = size // vms
    every = hours * HOUR / per_vm
    for _ in range(vms):
        ip = shared_ip if nat else w.host(prefix, r.randint(1, 254))
        device, ua, clock = w.ident("d"), r.choice(uas), t + r.uniform(0, 10 * MINUTE)
        for _ in range(per_vm):
            v = account(w, "network_farm", clock, domain if own else w.webmail_domain(), ip)
            end = w.session(v, clock + r.uniform(40, 120), w.camouflage(entry, 0.3, 2), ip,
                            w.ident("d") if clears else device, ua, quick(w, 3, 8) if automated else human(w, 20))
            clock = max(end + 10, clock + every * r.lognormvariate(0, 0.4))
    return {"accounts": per_vm * vms, "vms": vms, "hours": round(hours, 1), "one_nat_address": nat,
            "user_agents": len(uas), "cookies_cleared": clears, "page_times": "automated" if automated else "human",
            "domain": "own" if own else "webmail", "in_campaign": aligned}


def stealth(w: World, _: int) -> dict:
    """The blind spot: aged public-mail accounts, residential proxies, people's timing, common
    browsers, page rendered and script run, several categories, over two days."""
    r = w.rng
    entry, t, _ = target(w, 2 * DAY)
    for _ in range(150):
        t0 = w.organic_time(w.country()[1]) if r.random() < 0.5 else t + r.uniform(0, 2 * DAY)
        ip = w.residential_ip()
        v = account(w, "stealth", t0 - r.uniform(2, 30) * DAY, w.public_domain(), w.residential_ip())
        w.session(v, t0, w.camouflage(entry, 0.5, 6), ip, w.ident("d"), w.ua(r.random() < 0.4, t0))
    return {"accounts": 150}


ATTACKS = {"bot_farm": bot_farm, "device_farm": device_farm, "scripted": scripted, "sock_puppets": sock_puppets,
           "foreign": foreign, "ua_farm": ua_farm, "careful_script": careful_script, "slow_farm": slow_farm,
           "aged_farm": aged_farm, "click_farm": click_farm, "network_farm": network_farm, "stealth": stealth}


# The red-team campaign's attacks (issue 15's blind spots); that module uses this one's helpers.
from campaign_blind import NEW_ATTACKS  # noqa: E402

ATTACKS.update(NEW_ATTACKS)
