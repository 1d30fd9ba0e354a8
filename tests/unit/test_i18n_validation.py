"""Every kind of error pydantic can find in a field is said in our words,
translatable (voting/i18n/domain.py's VALIDATION_WORDS), never in pydantic's
English: the table covers pydantic-core's whole ErrorType list, every kind the
engine's request and SPEC models can raise (found by walking their schemas) is
in it, and real bad input through those models gets the table's words."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pydantic_core
import pytest
from pydantic import BaseModel, ValidationError

from voting.i18n.domain import GENERAL, VALIDATION_WORDS, Message, validation_message

ROOT = Path(__file__).resolve().parents[2]

# The errors each kind of core schema node can raise (pydantic-core's validators, by their schema type).
# A node type missing here fails the test below: say what it raises, then check the table has words for it.
SCHEMA_ERRORS: dict[str, set[str]] = {
    "any": set(), "default": set(), "nullable": set(), "definitions": set(), "no-info": set(), "with-info": set(),
    "model-field": set(), "typed-dict-field": set(), "dataclass-field": set(), "computed-field": set(),
    "definition-ref": {"recursion_loop"},
    "model": {"model_type", "model_attributes_type", "frozen_instance"},
    "model-fields": {"missing", "extra_forbidden", "model_type", "model_attributes_type", "frozen_field"},
    "typed-dict": {"missing", "extra_forbidden", "dict_type"},
    "str": {"string_type", "string_unicode", "string_too_short", "string_too_long", "string_pattern_mismatch"},
    "int": {"int_type", "int_parsing", "int_parsing_size", "int_from_float", "greater_than", "greater_than_equal",
            "less_than", "less_than_equal", "multiple_of"},
    "float": {"float_type", "float_parsing", "finite_number", "greater_than", "greater_than_equal", "less_than",
              "less_than_equal", "multiple_of"},
    "decimal": {"decimal_type", "decimal_parsing", "decimal_max_digits", "decimal_max_places",
                "decimal_whole_digits", "finite_number", "greater_than", "greater_than_equal", "less_than",
                "less_than_equal", "multiple_of"},
    "bool": {"bool_type", "bool_parsing"},
    "literal": {"literal_error"},
    "enum": {"enum"},
    "list": {"list_type", "too_short", "too_long", "iteration_error"},
    "tuple": {"tuple_type", "too_short", "too_long", "iteration_error"},
    "set": {"set_type", "too_short", "too_long", "set_item_not_hashable", "iteration_error"},
    "frozenset": {"frozen_set_type", "too_short", "too_long", "set_item_not_hashable", "iteration_error"},
    "dict": {"dict_type", "too_short", "too_long", "invalid_key"},
    "datetime": {"datetime_type", "datetime_parsing", "datetime_from_date_parsing", "datetime_object_invalid",
                 "timezone_aware", "timezone_naive", "timezone_offset", "datetime_past", "datetime_future",
                 "greater_than", "greater_than_equal", "less_than", "less_than_equal"},
    "date": {"date_type", "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact",
             "date_past", "date_future", "greater_than", "greater_than_equal", "less_than", "less_than_equal"},
    "time": {"time_type", "time_parsing", "timezone_aware", "timezone_naive", "timezone_offset"},
    "timedelta": {"time_delta_type", "time_delta_parsing", "greater_than", "greater_than_equal", "less_than",
                  "less_than_equal"},
    "uuid": {"uuid_type", "uuid_parsing", "uuid_version"},
    "url": {"url_type", "url_parsing", "url_syntax_violation", "url_too_long", "url_scheme"},
    "bytes": {"bytes_type", "bytes_too_short", "bytes_too_long", "bytes_invalid_encoding"},
    "json": {"json_invalid", "json_type"},
    "union": set(),
    "tagged-union": {"union_tag_invalid", "union_tag_not_found"},
    "function-before": {"value_error", "assertion_error"}, "function-after": {"value_error", "assertion_error"},
    "function-plain": {"value_error", "assertion_error"}, "function-wrap": {"value_error", "assertion_error"},
    "is-instance": {"is_instance_of"}, "none": {"none_required"},
}


def models() -> list[type[BaseModel]]:
    """The engine's own pydantic models: every module of voting/ and judging/ that names BaseModel."""
    for path in sorted([*ROOT.joinpath("voting").rglob("*.py"), *ROOT.joinpath("judging").rglob("*.py")]):
        if "BaseModel" in path.read_text(encoding="utf-8"):
            importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    found, todo = [], list(BaseModel.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        if model.__module__.startswith(("voting.", "judging.")) and "[" not in model.__name__:
            found.append(model)
    return found


def schema_types(node: object, seen: set[str]) -> set[str]:
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and "schema" in node or node.get("type") in SCHEMA_ERRORS:
            seen.add(node["type"])
        for key, value in node.items():
            if key not in {"serialization", "metadata", "ref"}:
                schema_types(value, seen)
    elif isinstance(node, (list, tuple)):
        for value in node:
            schema_types(value, seen)
    return seen


def test_the_table_covers_every_kind_of_error_pydantic_knows():
    kinds = set(typing.get_args(pydantic_core.core_schema.ErrorType))
    assert kinds, "pydantic_core no longer lists its error types"
    assert sorted(kinds - set(VALIDATION_WORDS)) == []  # a newer pydantic's kind: give it words


def test_every_error_our_models_can_raise_has_words():
    found = models()
    assert len(found) > 20  # request bodies of every API module and the SPEC
    raised: set[str] = set()
    for model in found:
        for node_type in schema_types(model.__pydantic_core_schema__, set()):
            assert node_type in SCHEMA_ERRORS, f"{model.__module__}.{model.__name__}: say what a {node_type!r} " \
                                                "schema raises in SCHEMA_ERRORS"
            raised |= SCHEMA_ERRORS[node_type]
    assert {"missing", "extra_forbidden", "string_type", "literal_error", "datetime_parsing"} <= raised
    assert sorted(raised - set(VALIDATION_WORDS)) == []


PROBES = [None, True, 1, -(10 ** 30), 10 ** 30, 1.5, float("inf"), "", "x", " ", "x" * 20_000,
          "2026-05-01T10:00:00", [], [None], ["x"] * 2_000, {}, {"x": 1}]


@pytest.mark.parametrize("model", models(), ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_bad_input_through_our_models_gets_our_words(model):
    seen = 0
    for name in [*model.model_fields, "not_a_field"]:
        for value in PROBES:
            try:
                model.model_validate({name: value})
            except ValidationError as err:
                for item in err.errors():
                    seen += 1
                    words = validation_message(item)
                    assert words != item["msg"] or isinstance(words, Message), (item["type"], item["msg"])
                    assert item["type"] in VALIDATION_WORDS, item["type"]
                    if item["type"] != "value_error":
                        assert words == GENERAL or words != item["msg"]
    assert seen


def test_the_words_carry_the_errors_values():
    def first(model, data):
        with pytest.raises(ValidationError) as caught:
            model.model_validate(data)
        return caught.value.errors()[0]

    from typing import Annotated, Literal

    from pydantic import Field

    class Probe(BaseModel):
        kind: Literal["a", "b", "c"] = "a"
        n: Annotated[int, Field(multiple_of=3, le=30)] = 3
        text: Annotated[str, Field(max_length=2)] = ""

    words = validation_message(first(Probe, {"kind": "z"}))
    assert isinstance(words, Message) and words.values == {"choices": "'a', 'b', 'c'"}  # no English "or"
    assert validation_message(first(Probe, {"n": 4})).values == {"step": 3}
    assert validation_message(first(Probe, {"n": 33})).values == {"limit": 30}
    long = validation_message(first(Probe, {"text": "abc"}))
    assert long.plural and long.values == {"num": 2}
    assert validation_message({"type": "some_new_kind", "msg": "Input is wrong"}) == GENERAL
