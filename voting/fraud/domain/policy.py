"""What each rule may do in a contest, and how much evidence holds a ballot. Pure.

Rules are of three kinds (docs/fraud.md explains each):

- **volume** rules see many ballots arriving together: a burst for one entry,
  a batch of accounts on one mail domain, a crowd on one network, an unusual
  user agent surging. Honest groups make volume too (a class, a ministry's
  mailing, supporters answering a post), so a volume signal never holds a
  ballot on its own, however many volume rules agree: it must be corroborated.
- **behaviour** rules see what the ballots themselves do that people do not:
  one device cycling accounts, machine-regular timing, accounts voting seconds
  after they were made, clients that never rendered a ballot page or never ran
  its script, crowds whose clients are implausibly alike, accounts made in a
  batch long ago that wake up together. They corroborate volume, and the
  strongest hold alone.
- **policy** rules apply the contest's own terms (voters from outside its
  countries); they hold alone.

A contest sets each rule to `hold` (its evidence counts towards holding),
`flag` (its evidence only puts ballots in the review queue, still counted) or
`off`, and may move the two thresholds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from voting.i18n.domain import N_, msg

KINDS: dict[str, str] = {
    "burst": "volume",
    "shared_prefix": "volume",
    "new_account_domain": "volume",
    "shared_user_agent": "volume",
    "shared_device": "behaviour",
    "scripted_cadence": "behaviour",
    "instant_single_vote": "behaviour",
    "pageless": "behaviour",
    "uniform_clients": "behaviour",
    "sleeper_accounts": "behaviour",
    "dormant_wake": "behaviour",
    "country": "policy",
}
MODES = ("hold", "flag", "off")
CORROBORATING = frozenset({"behaviour", "policy"})


class PolicyError(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = dict(sorted(errors.items()))
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class Policy:
    # Per rule: hold, flag or off; a rule not named holds.
    modes: Mapping[str, str] = field(default_factory=dict)
    # Combined evidence at which a ballot is held (not counted until an
    # organiser decides). 1.0 is one strong behaviour signal, or a weaker one
    # backed by volume; no sum of volume signals alone can hold (see combine).
    hold_threshold: float = 1.0
    # Combined evidence at which a ballot not held is flagged: counted, and in
    # the review queue for an organiser to look at. Above a single volume
    # signal with the context that an honest supporter wave has (one entry,
    # a fresh account), so waves are not flagged by volume alone.
    flag_threshold: float = 0.8

    def mode(self, rule: str) -> str:
        return self.modes.get(rule, "hold")

    @classmethod
    def from_spec(cls, rules: Mapping[str, Any] | None = None, hold_threshold: Any = None,
                  flag_threshold: Any = None) -> "Policy":
        """From a SPEC's `fraud.rules`, `fraud.hold_threshold` and
        `fraud.flag_threshold`. Raises PolicyError naming every problem."""
        errors: dict[str, str] = {}
        modes: dict[str, str] = {}
        for name, mode in (rules or {}).items():
            if name not in KINDS:
                errors[f"rules.{name}"] = msg("is not a rule (one of: %(rules)s)", rules=", ".join(KINDS))
            elif mode not in MODES:
                errors[f"rules.{name}"] = N_("must be hold, flag or off")
            else:
                modes[name] = mode
        values = {}
        for name, value, default in (("hold_threshold", hold_threshold, cls.hold_threshold),
                                     ("flag_threshold", flag_threshold, cls.flag_threshold)):
            if value is None:
                values[name] = default
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                errors[name] = N_("must be a number")
            elif not 0.1 <= value <= 10:
                errors[name] = N_("must be between 0.1 and 10")
            else:
                values[name] = float(value)
        if not errors and values["flag_threshold"] > values["hold_threshold"]:
            errors["flag_threshold"] = N_("must not be above hold_threshold")
        if errors:
            raise PolicyError(errors)
        return cls(modes=modes, **values)
