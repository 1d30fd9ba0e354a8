"""The bootstrap's random draws, made from nothing a library may change. Pure
(numpy only).

Why: numpy holds the raw stream of a seeded BitGenerator stable ("PCG64 makes
a guarantee that a fixed seed will always produce the same random integer
stream"), but not the output of `Generator`'s distribution methods
(`multinomial`, `integers`, ...), whose algorithms may change in any feature
release (numpy's random compatibility policy, NEP 19). The flip probabilities
are in the hashed snapshot, so they must not depend on those methods: the
same data must give the same hash after a numpy upgrade.

So every number here is made from the 64-bit words of
`PCG64.random_raw` with integer operations and the IEEE-754 basic float64
operations (+, -, *, /, sqrt, floor, comparisons), each correctly rounded and
so bit-for-bit the same on every IEEE-754 machine, numpy release, compiler and
CPU. No transcendental function is used (exp, log, pow, scipy's ndtri): libm
and numpy's SIMD versions of those may differ in the last bit between
platforms and releases (and a C compiler may fuse a*b+c on one architecture
and not another), which could move a draw that sits on a boundary. Where a
logarithm is needed (the normal's tails) it is computed below from basic
operations. No float reduction either (numpy's `sum` order is its own
business): the sums are of integer counts.

The samplers (all vectorised; `bits` is anything with numpy's
`random_raw(size)`, e.g. `np.random.PCG64`; a `numpy.random.Generator` is
accepted and only its `bit_generator` is used):

- `uniforms(bits, size)`: one word each, `(word >> 11) * 2**-53`, in [0, 1)
  on a grid of 2**-53.
- `integers(bits, k, size)`: uniform on 0..k-1 as `floor(u * k)`, one word
  each; k < 2**40, so the unevenness of the 2**53 grid over k values is below
  k / 2**53 < 1.3e-4 relative (below 1e-10 for a million ballots).
- `inverse_normal(u)`: Wichura's AS 241 (PPND16, relative error about 1e-16),
  u = 0 read as 2**-54.
- `binomial(n, p, u)`: one uniform per draw, always. With q = min(p, 1-p)
  (a draw for p > 1/2 is n minus a draw for 1-p) and variance v = n q (1-q):
  - v <= NORMAL_ABOVE (50): exact inversion, the smallest k with
    u < P(X <= k), by walking the cumulative probabilities up from
    P(X = 0) = (1-q)^n (by repeated squaring; here (1-q)^n >= e^-200, so no
    underflow) with P(X = k) = P(X = k-1) (n-k+1) q / (k (1-q)). The walk
    is at most a few hundred steps: n q <= 2 v <= 100.
  - v > NORMAL_ABOVE: the normal approximation with continuity correction,
    k = floor(n q + sqrt(v) z + 1/2) with z = inverse_normal(u), clipped to
    0..n. Its mean is n q; its variance v + 1/12 (the rounding), 0.17% too
    much at v = 50 and less above; what it leaves out is the skewness
    (1-2q)/sqrt(v) <= 0.14, which moves the distribution function by at most
    about 0.4 (1-2q) / (6 sqrt(v)) < 0.01 at v = 50 (0.003 at v = 500;
    measured: 0.009 for n = 5,100, q = 0.01, and 0.0001 at q = 1/2). A flip
    probability is the chance that one entry's resampled count passes
    another's, so what matters is the mean and the variance of the
    difference of two counts (right to 0.2%); a skew of that size in a draw
    of more than 50 variance moves it far less than the bootstrap's own
    standard error (up to 0.016 at 1,000 replicates, 0.035 at 200). The
    exact walk costs about as many steps as the value drawn, so using it for
    large draws would cost as much as drawing ballot by ballot.
- `multinomial(bits, n, weights, size)`: conditional binomials down a
  balanced binary tree over the categories (weights are integer counts): a
  node holding m draws over categories [lo, hi) splits at mid = (lo+hi)//2,
  sends Binomial(m, W[lo:mid] / W[lo:hi]) left and the rest right, until each
  leaf is one category. The probability is one correctly rounded division of
  two exact integer sums. A tree has T-1 splits for T categories, taken level
  by level, left to right, each level vectorised over replicates and nodes
  (log2 T Python steps, not T). Each replicate uses its own T-1 words, in
  that order, replicates one after the other: a block of replicates drawn at
  once equals the same replicates drawn one at a time.

SAMPLER names this algorithm in the snapshot's rules: any change to what
these functions return for the same words must change SAMPLER (and the
golden values of tests/unit/test_results_sampling.py).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

SAMPLER = "pcg64-raw/binomial-v1"
NORMAL_ABOVE = 50.0  # binomial variance above which the normal approximation is used
MAX_INTEGER = 2 ** 40

_UNIT = 2.0 ** -53
_LN2 = 0.6931471805599453
_SQRT_HALF = 0.7071067811865476
_LOG_SERIES = tuple(1.0 / (2 * i + 1) for i in range(14))  # atanh: s + s^3/3 + s^5/5 + ...

# AS 241, PPND16 (Wichura 1988): numerators then denominators, constant term first
_CENTRAL = ((3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125,
             45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727),
            (1.0, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077,
             21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852545925))
_NEAR = ((1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504,
          1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4),
         (1.0, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455,
          0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4,
          1.05075007164441684324e-9))
_FAR = ((6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123,
         0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5,
         2.01033439929228813265e-7),
        (1.0, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525,
         7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7,
         2.04426310338993978564e-15))


def raw_bits(rng: Any) -> Any:
    """The bit generator behind `rng` (a Generator's `bit_generator`, or `rng` itself)."""
    return getattr(rng, "bit_generator", rng)


def words(bits: Any, size: int) -> np.ndarray:
    return np.asarray(raw_bits(bits).random_raw(int(size)), dtype=np.uint64).reshape(-1)


def to_uniform(w: np.ndarray) -> np.ndarray:
    """(w >> 11) * 2**-53 for 64-bit words w: exact (53 bits fit a float64)."""
    x = (np.asarray(w, dtype=np.uint64) >> np.uint64(11)).view(np.int64).astype(np.float64)
    x *= _UNIT
    return x


def uniforms(bits: Any, size: int) -> np.ndarray:
    return to_uniform(words(bits, size))


def integers(bits: Any, k: int, size: int) -> np.ndarray:
    k = int(k)
    if not 0 < k < MAX_INTEGER:
        raise ValueError(f"integers: need 0 < k < 2**40, not {k}")
    x = uniforms(bits, size)
    x *= float(k)
    out = x.astype(np.int64)  # truncation: the floor of a non-negative number
    np.minimum(out, k - 1, out=out)  # u * k < k always (u <= 1 - 2**-53); kept for safety
    return out


def _poly(coefficients: Sequence[float], x: np.ndarray) -> np.ndarray:
    acc = np.full(x.shape, coefficients[-1])
    for c in coefficients[-2::-1]:
        acc = acc * x + c
    return acc


def _log(x: np.ndarray) -> np.ndarray:
    """Natural log of positive finite x from basic operations: x = m 2^e
    exactly (frexp), m moved into [sqrt(1/2), sqrt(2)), and
    log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172, by its series."""
    m, e = np.frexp(np.asarray(x, dtype=np.float64))
    low = m < _SQRT_HALF
    m = np.where(low, m * 2.0, m)
    e = e.astype(np.float64) - low
    s = (m - 1.0) / (m + 1.0)
    return e * _LN2 + 2.0 * s * _poly(_LOG_SERIES, s * s)


def inverse_normal(u: np.ndarray) -> np.ndarray:
    """The standard normal quantile of u in [0, 1) (AS 241); u = 0 is read as 2**-54."""
    u = np.asarray(u, dtype=np.float64)
    q = u - 0.5
    z = np.empty(u.shape)
    central = np.abs(q) <= 0.425
    qc = q[central]
    r = 0.180625 - qc * qc
    z[central] = qc * _poly(_CENTRAL[0], r) / _poly(_CENTRAL[1], r)
    tail = ~central
    if tail.any():
        qt, ut = q[tail], u[tail]
        small = np.maximum(np.where(qt < 0, ut, 1.0 - ut), _UNIT / 2)  # 1 - u is exact for u >= 1/2
        r = np.sqrt(-_log(small))
        near = r <= 5.0
        x = np.where(near, r - 1.6, r - 5.0)
        value = np.where(near, _poly(_NEAR[0], x) / _poly(_NEAR[1], x), _poly(_FAR[0], x) / _poly(_FAR[1], x))
        z[tail] = np.where(qt < 0, -value, value)
    return z


def _power(base: np.ndarray, n: np.ndarray) -> np.ndarray:
    """base ** n elementwise for integer n >= 0, by repeated squaring."""
    result = np.ones(base.shape)
    b, e = base.copy(), n.copy()
    while e.any():
        result = np.where((e & 1) == 1, result * b, result)
        e >>= 1
        b = b * b
    return result


def _exact(n: np.ndarray, q: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The smallest k with u < P(X <= k), X ~ Binomial(n, q); 1-D, n >= 1, 0 < q <= 1/2."""
    out = np.zeros(n.shape, dtype=np.int64)
    ratio = q / (1.0 - q)
    f = _power(1.0 - q, n)
    idx = np.flatnonzero(u >= f)
    nf, ratio, u, f = n[idx].astype(np.float64), ratio[idx], u[idx], f[idx]
    cdf = f.copy()
    alive = np.ones(idx.size, dtype=bool)
    k = 0
    while idx.size:
        k += 1
        step = nf - (k - 1)  # P(X = k) = P(X = k-1) * ((n - (k-1)) * q/(1-q) / k)
        step *= ratio
        step /= k
        f *= step
        cdf += f
        stop = (u < cdf) | (f <= 0) | (nf <= k)
        stop &= alive
        if stop.any():
            out[idx[stop]] = k
            alive &= ~stop
            live = np.count_nonzero(alive)
            if 2 * live < idx.size:  # drop the finished ones now and then, not every step
                idx, nf, ratio, u, f, cdf = idx[alive], nf[alive], ratio[alive], u[alive], f[alive], cdf[alive]
                alive = np.ones(live, dtype=bool)
    return out


def binomial(n: Any, p: Any, u: Any, *, normal_above: float = NORMAL_ABOVE) -> np.ndarray:
    """Binomial(n, p) draws from uniforms u (one each), elementwise over the
    broadcast shapes; see the module's docstring for the two regimes."""
    if not 0 < normal_above <= 200:
        raise ValueError("normal_above must be in (0, 200]: the exact walk underflows beyond")
    n, p, u = np.broadcast_arrays(np.asarray(n, dtype=np.int64), np.asarray(p, dtype=np.float64),
                                  np.asarray(u, dtype=np.float64))
    shape = n.shape
    n, p, u = n.reshape(-1), p.reshape(-1), u.reshape(-1)
    if (n < 0).any() or not ((p >= 0) & (p <= 1)).all():
        raise ValueError("binomial: need n >= 0 and 0 <= p <= 1")
    flip = p > 0.5
    q = np.where(flip, 1.0 - p, p)  # exact: 1 - p for p in [1/2, 1]
    nf = n.astype(np.float64)
    mean = nf * q
    var = mean * (1.0 - q)
    x = np.zeros(n.shape, dtype=np.int64)
    normal = var > normal_above
    if normal.any():
        z = inverse_normal(u[normal])
        k = np.floor(mean[normal] + np.sqrt(var[normal]) * z + 0.5)
        x[normal] = np.clip(k, 0.0, nf[normal]).astype(np.int64)
    exact = ~normal & (n > 0) & (q > 0)
    if exact.any():
        x[exact] = _exact(n[exact], q[exact], u[exact])
    x = np.where(flip, n - x, x)
    return x.reshape(shape)


def multinomial(bits: Any, n: int, weights: Sequence[int], size: int) -> np.ndarray:
    """`size` draws (rows) of Multinomial(n, weights / sum(weights)), one column
    per weight; weights are non-negative integers (counts)."""
    w = np.asarray(weights)
    if w.ndim != 1 or not np.issubdtype(w.dtype, np.integer) or (w < 0).any():
        raise ValueError("multinomial: weights must be a 1-D array of non-negative integers")
    w = w.astype(np.int64)
    types, n, size = len(w), int(n), int(size)
    if n < 0 or size < 0:
        raise ValueError("multinomial: need n >= 0 and size >= 0")
    if types == 0 or (n > 0 and w.sum() == 0):
        raise ValueError("multinomial: no weight to draw by")
    out = np.zeros((size, types), dtype=np.int64)
    if size == 0:
        return out
    if types == 1:
        out[:, 0] = n
        return out
    cum = np.concatenate(([0], np.cumsum(w)))
    if cum[-1] >= 2 ** 53:
        raise ValueError("multinomial: weights too large to divide exactly")
    u = uniforms(bits, size * (types - 1)).reshape(size, types - 1)
    lo, hi = np.array([0]), np.array([types])
    held = np.full((size, 1), n, dtype=np.int64)
    col = 0
    while lo.size:
        leaf = hi - lo == 1
        if leaf.any():
            out[:, lo[leaf]] = held[:, leaf]
            lo, hi, held = lo[~leaf], hi[~leaf], held[:, ~leaf]
            if not lo.size:
                break
        mid = (lo + hi) // 2
        whole = (cum[hi] - cum[lo]).astype(np.float64)
        p = np.where(whole > 0, (cum[mid] - cum[lo]).astype(np.float64) / np.where(whole > 0, whole, 1.0), 0.0)
        nodes = lo.size
        left = binomial(held, p[None, :], u[:, col:col + nodes])
        col += nodes
        lo = np.stack([lo, mid], axis=1).reshape(-1)
        hi = np.stack([mid, hi], axis=1).reshape(-1)
        held = np.stack([left, held - left], axis=2).reshape(size, -1)
    return out
