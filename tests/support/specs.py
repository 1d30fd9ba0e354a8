"""Reading a SPEC's problems in unit tests of the pure SPEC code."""

from __future__ import annotations

from typing import Any

import pytest

from voting.contests.domain.spec import SpecErrors, validate_spec


def spec_problems(raw: Any) -> dict[str, str]:
    """{SPEC path: problem} of a SPEC that must be refused (the test fails if it is accepted)."""
    with pytest.raises(SpecErrors) as caught:
        validate_spec(raw)
    return caught.value.fields
