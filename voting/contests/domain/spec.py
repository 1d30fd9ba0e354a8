"""The contest SPEC of the public API: its shape, its defaults per kind, and
every rule a SPEC must satisfy. Pure: no framework, no database.

`validate_spec` reports every problem it finds, keyed by field path, so an
organiser fixes a file in one pass and nothing is half-created.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool,
                      StrictFloat, StrictInt, StrictStr, StringConstraints, ValidationError)

from voting.guards.domain import ratelimit
from voting.contests.domain import spec_translations
from voting.fraud.domain.policy import Policy, PolicyError
from voting.fraud.domain.thresholds import Thresholds
from voting.i18n.domain import N_, msg, validation_message

KINDS = ("prize", "hackathon", "photo")
PHASES = ("submission", "voting", "judging")
PHOTO_PLACES = ("first", "second", "third")

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)
Slug = Annotated[StrictStr, StringConstraints(pattern=SLUG_PATTERN)]
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
Key = Annotated[StrictStr, StringConstraints(pattern=KEY_PATTERN)]
Title = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[StrictStr, StringConstraints(max_length=5000)]


def _iso_string(value: Any) -> Any:
    if not isinstance(value, (str, datetime)):
        raise ValueError(N_("must be an ISO 8601 timestamp string with an offset"))
    return value


# Phase dates: any real contest's, and far enough inside what datetime holds that no time zone's shift or
# minute added to them (the editor's lock probe) overflows.
DATES = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2201, 1, 1, tzinfo=timezone.utc))


def _in_range(value: datetime) -> datetime:
    try:
        inside = DATES[0] <= value.astimezone(timezone.utc) < DATES[1]
    except OverflowError:
        inside = False
    if not inside:
        raise ValueError(N_("is outside the supported range of dates"))
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_string), AfterValidator(_in_range)]


def _limit_text(value: str) -> str:
    ratelimit.parse(value)
    return value


LimitText = Annotated[StrictStr, AfterValidator(_limit_text)]


def _zone_name(value: str) -> str:
    """An IANA time zone name that this machine's zone database knows (the
    editor shows and reads the phases' dates in it; they are stored in UTC)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(N_("must be an IANA time zone name, such as Europe/Zurich")) from None
    return value


ZoneName = Annotated[StrictStr, StringConstraints(max_length=60), AfterValidator(_zone_name)]


def is_slug(value: str) -> bool:
    """Whether a path segment could be a slug at all; anything else is not found
    without asking the database (which may refuse some text, such as NUL)."""
    return bool(_SLUG.match(value))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategorySpec(Strict):
    slug: Slug
    title: Title
    description: Text = ""


class Window(Strict):
    opens_at: Timestamp
    closes_at: Timestamp


class PhasesSpec(Strict):
    submission: Window | None = None
    voting: Window | None = None
    judging: Window | None = None


class RateLimits(Strict):
    """Ballots allowed per client address, network prefix (/24, /64), account
    and device cookie, and the volumes above which an address's or prefix's
    ballots need more proof of work (docs/intake.md, "Addresses: slowed, not
    refused").

    A room of people behind one address must get in, so the address and
    prefix caps are far above any honest room: a venue of 500 people voting
    in 18 categories within an hour sends 9,000 ballots from one address.
    Below the caps a farm is slowed, not refused: above `ip_harder_above`
    (about 55 people voting in every category of an 18-category contest
    within the hour, a class or a session room) the address's proof of work
    gets a bit harder, doubling a client's work, at each doubling of its
    recent ballots, at most six bits; a venue of 300 (5,400 ballots an hour)
    pays three bits more on its later ballots (eight times the work: a few
    seconds a ballot in a phone's browser instead of well under one); a farm
    at the cap pays four. The /24's threshold is four times the address's,
    for a campus's or carrier's several NAT addresses. What catches a farm is
    the fraud sweep's combined evidence, not these limits. An account casts
    at most one ballot per category, so its limit only slows scripted
    retries. A "harder above" volume is read against its scope's limit window
    (scaled when the windows differ); set it to the limit itself to turn the
    rise off."""

    ip: LimitText = "10000/hour"
    prefix: LimitText = "20000/hour"
    account: LimitText = "60/hour"
    device: LimitText = "100/hour"
    ip_harder_above: LimitText = "1000/hour"
    prefix_harder_above: LimitText = "4000/hour"


class VotingSpec(Strict):
    method: Literal["none", "single", "approval", "score", "ranked"] = "single"
    max_choices: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    score_max: Annotated[StrictInt, Field(ge=1, le=100)] = 5
    ranked_method: Literal["irv", "schulze", "borda"] = "irv"
    require_verified_email: StrictBool = True
    pow_bits: Annotated[StrictInt, Field(ge=0, le=28)] = 16
    # Above this many ballots a minute, the challenge gets harder (see ballots/pow.py); the client's own
    # address and prefix add their bits above rate_limits' `*_harder_above` volumes.
    pow_spike_per_minute: Annotated[StrictInt, Field(ge=1, le=10_000_000)] = 600
    # A ballot sent sooner than this after its page or challenge was issued is held for review.
    min_render_seconds: Annotated[StrictInt, Field(ge=0, le=600)] = 2
    rate_limits: RateLimits = RateLimits()


class Criterion(Strict):
    key: Key
    label: Title
    weight: Annotated[StrictFloat, Field(gt=0, le=1000)] = 1.0
    min: StrictFloat = 0.0
    max: StrictFloat = 10.0
    # What a judge should look for, shown beside the criterion on the score form.
    guidance: Text = ""


class JudgingSpec(Strict):
    mode: Literal["none", "rubric", "pairwise"] = "rubric"
    judges_per_entry: Annotated[StrictInt, Field(ge=1, le=50)] = 3
    normalization: Literal["none", "zscore"] = "zscore"
    criteria: Annotated[list[Criterion], Field(max_length=50)] = Field(
        default_factory=lambda: [Criterion(key="overall", label="Overall", weight=1.0, min=0.0, max=10.0)])


TieRule = Literal["jury_score", "public_votes", "earliest_submission", "draw"]


def _distinct_rules(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError(N_("each tie-break rule may appear once"))
    return value


class AwardsSpec(Strict):
    policy: Literal["public", "jury", "jury_among_champions", "hybrid"] = "jury_among_champions"
    champions_per_category: Annotated[StrictInt, Field(ge=1, le=100)] = 5
    winners_per_category: Annotated[StrictInt, Field(ge=1, le=100)] = 1
    public_weight: Annotated[StrictFloat, Field(ge=0, le=1)] = 0.5
    # How a tie in a ranking is broken, rule by rule; every use is recorded in the
    # results' `ties`. `draw` orders by SHA-256 of the ledger's final root, the
    # category and the entry id, so anyone holding the ledger can repeat it.
    tie_break: Annotated[list[TieRule], Field(min_length=1, max_length=4), AfterValidator(_distinct_rules)] = Field(
        default_factory=lambda: ["jury_score", "public_votes", "earliest_submission", "draw"])


COUNTRY_PATTERN = r"^[A-Z]{2}$"
Country = Annotated[StrictStr, StringConstraints(pattern=COUNTRY_PATTERN)]


class FraudSpec(Strict):
    """Where voters may come from (ISO 3166 codes of their registered country;
    empty: anywhere), overrides of the fraud rules' thresholds by name, what
    each rule may do (`hold`, `flag` or `off`; a rule not named holds), and
    the combined evidence that holds a ballot or flags it (see docs/fraud.md;
    checked by Policy.from_spec in rule_problems)."""

    countries: Annotated[list[Country], Field(max_length=300)] = Field(default_factory=list)
    thresholds: dict[Annotated[StrictStr, StringConstraints(max_length=60)], StrictFloat] = Field(
        default_factory=dict)
    rules: dict[Annotated[StrictStr, StringConstraints(max_length=60)], StrictStr] = Field(default_factory=dict)
    hold_threshold: StrictFloat = Policy.hold_threshold
    flag_threshold: StrictFloat = Policy.flag_threshold


class SubmissionsSpec(Strict):
    """What participants may submit: how many entries each (None: no limit),
    how long a summary may be in words (the WSIS Prizes show voters 150-200),
    how big a photo may be in bytes and pixels (checked from the file's header
    before anything is decoded), the smallest photo that is eligible, and how
    fast one account may submit."""

    max_per_person: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    summary_max_words: Annotated[StrictInt, Field(ge=1, le=5000)] | None = None
    max_bytes: Annotated[StrictInt, Field(ge=10_000, le=100_000_000)] = 25_000_000
    max_megapixels: Annotated[StrictInt, Field(ge=1, le=200)] = 50
    min_megapixels: Annotated[StrictInt, Field(ge=0, le=200)] = 0
    rate_limit: LimitText = "20/hour"


class ContestSpec(Strict):
    slug: Slug
    title: Title
    kind: Literal["prize", "hackathon", "photo"]
    description: Text = ""
    categories: Annotated[list[CategorySpec], Field(min_length=1, max_length=200)]
    phases: PhasesSpec = PhasesSpec()
    voting: VotingSpec = VotingSpec()
    judging: JudgingSpec = JudgingSpec()
    awards: AwardsSpec = AwardsSpec()
    fraud: FraudSpec = FraudSpec()
    submissions: SubmissionsSpec = SubmissionsSpec()
    # The organiser's time zone: the console shows and reads phase dates in it (they stay UTC here).
    timezone: ZoneName = "UTC"
    # Title, description and category texts in other languages (spec_translations.py).
    translations: spec_translations.Translations = Field(default_factory=dict)

    def window(self, phase: str) -> Window | None:
        return getattr(self.phases, phase)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# What a kind means when the SPEC leaves a section out.
KIND_DEFAULTS: dict[str, dict[str, dict[str, Any]]] = {
    "prize": {
        "voting": {"method": "single"},
        "judging": {"mode": "rubric"},
        "awards": {"policy": "jury_among_champions", "champions_per_category": 5, "winners_per_category": 1},
        "submissions": {"summary_max_words": 200},
    },
    "hackathon": {
        "voting": {"method": "none", "pow_bits": 0},
        "judging": {"mode": "rubric"},
        "awards": {"policy": "jury", "winners_per_category": 1},
    },
    "photo": {
        "voting": {"method": "single"},
        "judging": {"mode": "rubric"},
        "awards": {"policy": "jury", "winners_per_category": 3, "champions_per_category": 10},
    },
}


class SpecErrors(Exception):
    def __init__(self, fields: dict[str, str]):
        super().__init__(f"{len(fields)} problem(s) in the contest SPEC")
        self.fields = fields


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _with_kind_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    kind = raw.get("kind")
    defaults = KIND_DEFAULTS.get(kind) if isinstance(kind, str) else None
    if not defaults:
        return raw
    merged = dict(raw)
    for section, values in defaults.items():
        given = raw.get(section, {})
        merged[section] = {**values, **given} if isinstance(given, dict) else given
    return merged


# A pattern's rule in words (pydantic would quote the regular expression).
_PATTERN_WORDS = {SLUG_PATTERN: N_("must be lower-case letters, digits and dashes"),
                  KEY_PATTERN: N_("must be lower-case letters, digits and underscores, starting with a letter"),
                  COUNTRY_PATTERN: N_("must be an ISO 3166-1 alpha-2 country code such as CH")}


def _pydantic_fields(err: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in err.errors():
        loc = [str(p) for p in item["loc"]]
        # Drop pydantic's markers of union branches and validator chains from the path.
        loc = [p for p in loc if p != "Window" and not p.startswith("function-")]
        path = ".".join(loc) or "body"
        fields.setdefault(path, _PATTERN_WORDS.get((item.get("ctx") or {}).get("pattern"), validation_message(item))
                          if item["type"] == "string_pattern_mismatch" else validation_message(item))
    return fields


def rule_problems(spec: ContestSpec) -> dict[str, str]:
    """Rules that span fields; run once every field has the right shape."""
    problems: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, cat in enumerate(spec.categories):
        if cat.slug in seen:
            problems[f"categories.{i}.slug"] = msg("repeats the slug of categories.%(index)d", index=seen[cat.slug])
        seen.setdefault(cat.slug, i)

    previous: tuple[str, Window] | None = None
    for name in PHASES:
        window = spec.window(name)
        if window is None:
            continue
        if window.closes_at <= window.opens_at:
            problems[f"phases.{name}.closes_at"] = N_("must be after opens_at")
        if previous and window.opens_at < previous[1].closes_at:
            problems[f"phases.{name}.opens_at"] = msg("must not be before phases.%(phase)s.closes_at",
                                                      phase=previous[0])
        previous = (name, window)

    keys: dict[str, int] = {}
    for i, crit in enumerate(spec.judging.criteria):
        if crit.key in keys:
            problems[f"judging.criteria.{i}.key"] = msg("repeats the key of judging.criteria.%(index)d",
                                                        index=keys[crit.key])
        keys.setdefault(crit.key, i)
        if crit.max <= crit.min:
            problems[f"judging.criteria.{i}.max"] = N_("must be greater than min")
    if spec.judging.mode == "rubric" and not spec.judging.criteria:
        problems["judging.criteria"] = N_("a rubric needs at least one criterion")

    policy = spec.awards.policy
    public_needed = policy in {"public", "jury_among_champions", "hybrid"}
    jury_needed = policy in {"jury", "jury_among_champions", "hybrid"}
    if public_needed and spec.voting.method == "none":
        problems["voting.method"] = msg("awards.policy %(policy)s needs a public vote", policy=policy)
    if jury_needed and spec.judging.mode == "none":
        problems["judging.mode"] = msg("awards.policy %(policy)s needs a jury", policy=policy)
    if policy == "jury_among_champions" and spec.awards.winners_per_category > spec.awards.champions_per_category:
        problems["awards.winners_per_category"] = N_("must not exceed champions_per_category")
    if spec.kind == "photo" and spec.awards.winners_per_category > len(PHOTO_PLACES):
        problems["awards.winners_per_category"] = N_("a photo contest awards at most three places")
    if spec.fraud.thresholds:
        try:
            Thresholds.from_overrides(spec.fraud.thresholds)
        except ValueError as exc:
            for key, why in getattr(exc, "errors", {"": str(exc)}).items():
                problems[f"fraud.thresholds.{key}".rstrip(".")] = why
    try:
        Policy.from_spec(spec.fraud.rules, spec.fraud.hold_threshold, spec.fraud.flag_threshold)
    except PolicyError as exc:
        for key, why in exc.errors.items():
            problems[f"fraud.{key}"] = why
    problems.update(spec_translations.problems(spec.translations, [c.slug for c in spec.categories],
                                                 [c.key for c in spec.judging.criteria]))
    if spec.voting.method == "none" and spec.phases.voting is not None:
        problems["phases.voting"] = N_("a contest without a public vote (voting.method none) has no voting phase")
    return problems


def validate_spec(raw: Any) -> ContestSpec:
    """A valid ContestSpec, or SpecErrors with every problem by field path."""
    if not isinstance(raw, dict):
        raise SpecErrors({"body": N_("must be a JSON object")})
    try:
        spec = ContestSpec.model_validate(_with_kind_defaults(raw))
    except ValidationError as err:
        raise SpecErrors(_pydantic_fields(err)) from None
    problems = rule_problems(spec)
    if problems:
        raise SpecErrors(problems)
    return spec


def patch_spec(current: dict[str, Any], patch: Any) -> ContestSpec:
    """Apply a PATCH body to a stored SPEC and validate the result as a whole."""
    if not isinstance(patch, dict):
        raise SpecErrors({"body": N_("must be a JSON object")})
    problems: dict[str, str] = {}
    if "slug" in patch and patch["slug"] != current["slug"]:
        problems["slug"] = N_("cannot be changed")
    if "kind" in patch and patch["kind"] != current["kind"]:
        problems["kind"] = N_("cannot be changed")
    if problems:
        raise SpecErrors(problems)
    return validate_spec(merge_patch(current, patch))
