"""The seven attack clusters of bench/sweep.py's vote: a bot farm, a device
farm, a scripted timer, sock puppets, foreign voters, a user-agent farm, and a
second bot farm among the tick's ballots (the last hour and a bit)."""

from __future__ import annotations

import numpy as np
from sweep_world import CARRIER_PREFIXES, CARRIERS, COUNTRIES, DAY, HOUR, World


def attacks(w: World) -> None:
    rng = w.rng
    allowed = len(COUNTRIES)

    def target(lo, hi):
        cat = int(rng.integers(0, len(w.sizes)))
        return cat, int(rng.integers(lo, min(hi, w.sizes[cat])))

    def camouflage(first, p, most):
        cats = [c for c in rng.permutation(len(w.sizes)).tolist() if c != first[0]]
        extra = int(rng.integers(1, most + 1)) if rng.random() < p else 0
        return [first] + [(c, int(w.pick_entries(np.array([c]))[0])) for c in cats[:extra]]

    def session(rows, v, t, picks, net, dev, ua, flag=0, page=None, gap=None):
        for cat, entry in picks:
            pfx, host = net()
            rows.append((v, cat, entry, t, pfx, host, dev, ua, flag,
                         int(page()) if page else int(max(1500, rng.lognormal(np.log(9000), 0.7)))))
            t += gap() if gap else 2 + rng.lognormal(np.log(20), 0.8)
        return t

    def residential():
        return int(rng.choice(w.new_prefixes(1))), int(rng.integers(1, 255))

    def device():
        return int(w.new_devices(1)[0])

    def any_browser():
        return int(w.ua_of(np.array([rng.random() < 0.5]))[0])

    chrome = w.ua_index["chrome-win-120"]
    android = w.ua_index["chrome-android-120-reduced"]
    for name, at in (("bot_farm", 9.3 * DAY), ("tick_farm", w.end - 1.2 * HOUR)):
        # Accounts on a fresh domain, one datacenter /24, one burst; pages rendered fast and alike.
        first, domain = target(5, 20), w.domain_block([f"mx{name}{w.args.seed}.top"])[0]
        dc = int(w.new_prefixes(1)[0])
        n = int(rng.integers(150, 350)) if name == "bot_farm" else 200
        created = at + rng.uniform(0, rng.uniform(20, 45) * 60, n)
        rows = []
        for v in range(n):
            session(rows, v, created[v] + rng.uniform(60, 600), camouflage(first, 0.4, 3),
                    lambda dc=dc: (dc, int(rng.integers(1, 255))), device(), chrome,
                    page=lambda: rng.normal(2500, 60), gap=lambda: rng.uniform(3, 10))
        w.cluster(name, created, rng.integers(0, allowed, n), np.full(n, domain), rows)
    # Device farm: aged accounts cycled through a few phones behind a carrier.
    first, t, carrier = target(3, 25), 12.2 * DAY, int(rng.integers(0, CARRIERS))
    rows, created = [], []
    for _phone in range(int(rng.integers(4, 8))):
        dev, clock = device(), t + rng.uniform(0, 2 * HOUR)
        pause = rng.uniform(10, 40) * 60
        for _ in range(int(rng.integers(20, 40))):
            created.append(clock - rng.uniform(2, 30) * DAY)
            clock = session(rows, len(created) - 1, clock, camouflage(first, 0.6, 2),
                            lambda: (int(w.carriers[carrier, rng.integers(0, CARRIER_PREFIXES)]),
                                     int(rng.integers(1, 255))), dev, android)
            clock += pause * rng.uniform(0.5, 1.5)
    n = len(created)
    w.cluster("device_farm", np.array(created), rng.integers(0, allowed, n), w.public_domains(n), rows)
    # A timer with a little jitter from rotating residential addresses, two runs.
    first, every, jitter = target(10, 40), rng.uniform(25, 60), rng.uniform(0.01, 0.08)
    rows, created = [], []
    for run in range(2):
        t = (14 + 2 * run) * DAY + rng.uniform(0, DAY)
        for _ in range(int(rng.integers(60, 100))):
            created.append(t - rng.uniform(2, 30) * DAY)
            session(rows, len(created) - 1, t, [first], residential, device(),
                    int(rng.choice(len(w.uas), p=w.desktop_p)))
            t += every * (1 + rng.uniform(-jitter, jitter))
    n = len(created)
    w.cluster("scripted", np.array(created), rng.integers(0, allowed, n), w.public_domains(n), rows)
    # Sock puppets: voting seconds after sign-up, for one entry only.
    first, t, spread = target(5, 30), 16.4 * DAY, rng.uniform(4, 10) * HOUR
    n = int(rng.integers(60, 150))
    created = t + rng.uniform(0, spread, n)
    rows = []
    for v in range(n):
        session(rows, v, created[v] + rng.uniform(2, 20), [first], residential, device(), any_browser())
    w.cluster("sock_puppets", created, rng.integers(0, allowed, n), w.public_domains(n), rows)
    # Voters from a country the contest does not admit.
    first, t = target(0, 15), 6.1 * DAY
    n = int(rng.integers(80, 150))
    starts = t + rng.uniform(0, 3 * DAY, n)
    rows = []
    for v in range(n):
        session(rows, v, starts[v], camouflage(first, 0.7, 5), residential, device(), any_browser())
    w.cluster("foreign", starts - rng.uniform(2, 30, n) * DAY, np.full(n, len(COUNTRIES)), w.public_domains(n),
              rows)
    # A proxy farm sending one outdated headless user agent.
    first, t, spread = target(5, 30), 18.3 * DAY, rng.uniform(1, 3) * HOUR
    n = int(rng.integers(100, 200))
    starts = t + rng.uniform(0, spread, n)
    rows = []
    headless = w.ua_index["chrome-win-108-headless"]
    for v in range(n):
        net = residential()
        session(rows, v, starts[v], camouflage(first, 0.3, 2), lambda net=net: net, device(), headless)
    w.cluster("ua_farm", starts - rng.uniform(2, 30, n) * DAY, rng.integers(0, allowed, n), w.public_domains(n),
              rows)
