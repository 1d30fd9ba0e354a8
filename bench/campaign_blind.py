"""The attacks an independent red-team campaign found the rules missed (issue 15's
blind spots), for bench/campaign.py: aged accounts made one by one over weeks,
a phone farm behind a carrier's NAT, a paid crowd of real people, a farm poured
into an honest supporter wave, and farms that camouflage their target vote
among the public's own choices.

Each is as careful as its kind of operator can afford, and its docstring says
what it controls and what it cannot help. Where it cannot help nothing the
server records, it is a blind spot (campaign_attacks.BLIND_SPOTS: reported,
not a target): docs/fraud.md says why.
"""

from __future__ import annotations

import math

from campaign_attacks import account, human, target
from campaign_world import CATEGORIES, DAY, HOUR, MINUTE, World


def public_choices(w: World, entry: int, k: int) -> list[tuple[int, int]]:
    """The target and k ballots in other categories for what the public
    chooses there (a leader of the live figures seven times in ten, otherwise
    drawn as people draw), the target somewhere in the middle of the session."""
    r = w.rng
    others = [c for c in r.sample(range(CATEGORIES), CATEGORIES) if c != entry // 100][:k]
    picks = [(c, c * 100 + r.choice((0, 0, 1, 2)) if r.random() < 0.7 else w.entry(c)) for c in others]
    picks.insert(r.randint(0, len(picks)), (entry // 100, entry))
    return picks


def aged_spread(w: World, _: int) -> dict:
    """Accounts made one by one at random times over 2-8 weeks (webmail, each
    from another residential proxy: no batch, no domain), left asleep, then
    woken within 1-6 hours to vote for one entry through residential proxies,
    fresh cookies, the population's browsers, people's page times, page and
    script, a third with camouflage. Cannot help: weeks-old accounts that never
    voted waking up together for one entry, most of its voters in those hours."""
    r = w.rng
    size, spread, weeks = r.randint(100, 300), r.uniform(1, 6) * HOUR, r.uniform(2, 8)
    entry, wake, aligned = target(w, spread + HOUR, 0.3)
    for _ in range(size):
        t0, ip = wake + r.uniform(0, spread), w.residential_ip()
        made = wake - r.uniform(2 * DAY, weeks * 7 * DAY)
        v = account(w, "aged_spread", made, w.webmail_domain(), w.residential_ip())
        picks = public_choices(w, entry, r.randint(1, 4)) if r.random() < 0.33 else [(entry // 100, entry)]
        w.session(v, t0, picks, ip, w.ident("d"), w.ua(r.random() < 0.5, t0), human(w, 20))
    return {"accounts": size, "weeks_made_over": round(weeks, 1), "voting_hours": round(spread / HOUR, 1),
            "in_campaign": aligned}


def cgnat_farm(w: World, _: int) -> dict:
    """10-30 real phones on one national carrier (its NAT spreads them over the
    carrier's /24s, shared with thousands of subscribers), the reduced Android
    Chrome user agent everyone on that version sends, accounts made on the phone
    a minute or two before voting (webmail), people's page times, camouflage,
    over 1-3 working days; 70 % clear the cookie between accounts. Cannot help:
    a phone's cookie where it is kept; otherwise nothing the server records
    (the carrier's network, `ip_asn`, and the phones' hardware are not)."""
    r = w.rng
    phones, days, total = r.randint(10, 30), r.randint(1, 3), r.randint(150, 500)
    entry, t, aligned = target(w, (days + 1) * DAY, 0.3)
    code, tz = w.country()
    carrier = w.carrier_of(code)
    clears = r.random() < 0.7
    per_phone_day = max(1, round(total / (phones * days)))
    day0, made = int((t - w.start) // DAY), 0
    for _ in range(phones):
        phone, ua = w.ident("d"), w.chrome("chrome-android", t)
        for d in range(days):
            clock = w.start + (day0 + d) * DAY + (r.uniform(8.5, 11) - tz) * HOUR
            for _ in range(per_phone_day):
                created = clock + r.uniform(0, 60)
                v = account(w, "cgnat_farm", created, w.webmail_domain(), w.carrier_ip(carrier), w.claimed(code))
                clock = w.session(v, created + 45 + r.lognormvariate(math.log(60), 0.5), w.camouflage(entry, 0.4, 3),
                                  lambda: w.carrier_ip(carrier), w.ident("d") if clears else phone, ua, human(w, 12))
                clock += 8 * HOUR / per_phone_day * r.lognormvariate(0, 0.4)
                made += 1
    return {"phones": phones, "days": days, "accounts": made, "cookies_cleared": clears,
            "carrier_prefixes": len(carrier), "in_campaign": aligned}


def paid_crowd(w: World, _: int) -> dict:
    """100-400 people paid on a micro-task site, each with their own phone or
    computer, own network and own fresh account on public mail, voting for the
    target over 1-4 days whenever they take the task, half adding a few ballots
    elsewhere as told. Cannot help: nothing the server records separates them
    from a team's real supporters; only the task's posting does."""
    r = w.rng
    size, days = r.randint(100, 400), r.uniform(1, 4)
    entry, t, aligned = target(w, days * DAY, 0.3)
    countries = [w.country() for _ in range(r.randint(1, 3))]
    for _ in range(size):
        code, tz = r.choice(countries)
        t0 = t + r.uniform(0, days * DAY)
        on_phone = r.random() < 0.6
        net = (lambda c=w.carrier_of(code): w.carrier_ip(c)) if on_phone and r.random() < 0.6 else w.residential_ip()
        created = t0 - 45 - r.lognormvariate(math.log(180), 0.8)
        first = net() if callable(net) else net
        v = account(w, "paid_crowd", created, w.public_domain(), first, w.claimed(code))
        picks = w.camouflage(entry, 0.5, 4)
        w.session(v, t0, picks, net, w.device(), w.ua(on_phone, t0), human(w, 18))
    return {"people": size, "days": round(days, 1), "countries": len(countries), "in_campaign": aligned}


def wave_mixer(w: World, _: int) -> dict:
    """A farm poured into a team's real supporter wave after its post: 100-400
    fresh accounts arriving with the wave's own timing, voting only for its
    entry like the supporters, through residential proxies and (40 %) rented
    mobile proxies of the wave's country, phone user agents and in-app browsers
    in the wave's mix, people's page times, page and script run. Cannot help:
    nothing the server records separates them from the wave they join."""
    r = w.rng
    posts = getattr(w, "wave_posts", [])
    if not posts:
        return {"accounts": 0}
    entry, post, code = r.choice(posts)
    size, mobile_proxies = r.randint(100, 400), r.random() < 0.4
    for _ in range(size):
        created = post + r.lognormvariate(math.log(12 * MINUTE), 1.0)
        t0 = created + 30 + r.lognormvariate(math.log(60), 0.6)
        if not w.start <= t0 < w.end:
            continue
        on_phone = r.random() < 0.7
        net = (lambda c=w.carrier_of(code): w.carrier_ip(c)) if mobile_proxies and on_phone else w.residential_ip()
        first = net() if callable(net) else net
        v = account(w, "wave_mixer", created, w.webmail_domain(), first, w.claimed(code))
        w.session(v, t0, [(entry // 100, entry)], net, w.ident("d"), w.ua(on_phone, t0, 0.45 if on_phone else 0.1),
                  human(w, 15))
    return {"accounts": size, "mobile_proxies": mobile_proxies}


def camouflage_farm(w: World, variant: int) -> dict:
    """Farms that hide their target vote among ballots for the public's own
    choices in 3-8 other categories, the target anywhere in the session, so
    that no rule sees a voter for a single entry. Each keeps one tell of its
    kind that camouflage does not remove (variant): accounts voting seconds
    after sign-up (0); a batch of accounts made together weeks ago, woken
    together (1); a browser farm on one /24 working through fresh accounts for
    hours, cookies cleared (2)."""
    r = w.rng
    kind = ("instant", "aged_batch", "network")[variant % 3]
    size = r.randint(80, 250)
    spread = r.uniform(3, 8) * HOUR
    entry, t, aligned = target(w, spread + HOUR, 0.3)
    prefix = w.allocate()
    made_at = t - r.uniform(14, 42) * DAY
    uas = [w.chrome("chrome-win", t), "edge-win-120", w.chrome("chrome-mac", t)][:r.randint(1, 3)]
    for i in range(size):
        t0 = t + spread * i / size + r.uniform(0, spread / size)
        picks = public_choices(w, entry, r.randint(3, 8))
        if kind == "instant":  # the first ballot 4-20 s after sign-up, as sock_puppets
            ip, delay = w.residential_ip(), r.uniform(4, 20)
            page = r.uniform(2.2, min(delay - 1, 8))
            v = account(w, "camouflage_farm", t0, w.webmail_domain(), ip)
            w.session(v, t0 + delay - page, picks, ip, w.ident("d"), w.ua(r.random() < 0.5, t0),
                      lambda i, s=page: s if i == 0 else w.page_time(i, 8))
        elif kind == "aged_batch":
            ip = w.residential_ip()
            v = account(w, "camouflage_farm", made_at + r.uniform(0, 1.5 * HOUR), w.webmail_domain(),
                         w.residential_ip())
            w.session(v, t0, picks, ip, w.ident("d"), w.ua(r.random() < 0.5, t0), human(w, 20))
        else:
            ip = w.host(prefix, r.randint(1, 254))
            v = account(w, "camouflage_farm", t0 - 60 - r.uniform(30, 200), w.webmail_domain(), ip)
            w.session(v, t0, picks, ip, w.ident("d"), r.choice(uas), human(w, 15))
    return {"kind": kind, "accounts": size, "hours": round(spread / HOUR, 1), "in_campaign": aligned}


NEW_ATTACKS = {"aged_spread": aged_spread, "cgnat_farm": cgnat_farm, "paid_crowd": paid_crowd,
               "wave_mixer": wave_mixer, "camouflage_farm": camouflage_farm}
