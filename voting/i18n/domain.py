"""The languages the engine speaks, and messages that pure code can hand up for
translation. Pure: no Flask, no Babel catalogues.

Locale ids are Babel's (`zh_Hans`: Simplified Chinese, whose dates and numbers
Babel formats as in mainland China); pages and links use the BCP 47 spelling
(`zh-Hans` in `<html lang>`, `?lang=zh` in the switcher's links)."""

from __future__ import annotations

# The UN's six, in the order the switcher shows them, each named in itself.
LANGUAGES: dict[str, str] = {
    "ar": "العربية",
    "zh_Hans": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
SOURCE = "en"  # the language of the msgids: it needs no catalogue entries
RIGHT_TO_LEFT = {"ar", "he", "fa", "ur"}


def parse(tag: object) -> str | None:
    """The supported locale a language tag asks for (`fr`, `FR-ca`, `zh`,
    `zh-Hans`, `zh_CN`, `ar-EG`), or None. Chinese of any region or script is
    our Simplified Chinese: the one Chinese catalogue reads better to a reader of
    Traditional characters than English would."""
    if not isinstance(tag, str) or not 2 <= len(tag) <= 35:
        return None
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    if language == "zh":
        return "zh_Hans"
    return language if language in LANGUAGES else None


def html_lang(locale: str) -> str:
    """The BCP 47 tag of a locale id, for `lang` attributes (`zh_Hans` → `zh-Hans`)."""
    return locale.replace("_", "-")


def link_code(locale: str) -> str:
    """The short code the switcher's links carry in `?lang=` (`zh_Hans` → `zh`)."""
    return locale.split("_")[0]


def direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RIGHT_TO_LEFT else "ltr"


class Message(str):
    """A message with its catalogue id and values, for code that cannot call
    gettext (pure modules, services run outside a request). It is the English text
    wherever a string is expected (logs, the CLI, tests that compare text), and
    `voting.errors.say` translates it from its id when a page or the API shows it.
    Made with `msg` and `nmsg`, which the extraction knows (babel.cfg)."""

    msgid: str
    plural: str | None
    values: dict[str, object]

    def __new__(cls, msgid: str, plural: str | None = None, **values: object) -> Message:
        english = plural if plural is not None and values.get("num") != 1 else msgid
        self = super().__new__(cls, english % values if values else english)
        self.msgid, self.plural, self.values = msgid, plural, values
        return self

    def __reduce__(self):  # kept intact through pickling (RQ job results)
        return (_rebuild, (self.msgid, self.plural, self.values))


def _rebuild(msgid: str, plural: str | None, values: dict[str, object]) -> Message:
    return Message(msgid, plural, **values)


def msg(msgid: str, **values: object) -> Message:
    """A message to translate later: `msg("must be at most %(num)d characters", num=120)`."""
    return Message(msgid, None, **values)


def nmsg(singular: str, plural: str, num: int, **values: object) -> Message:
    """A message with plural forms, chosen by `num` (also a value of the text)."""
    return Message(singular, plural, num=num, **values)


def N_(text: str) -> str:
    """Marks a constant for extraction only; whoever shows it translates it."""
    return text


# Pydantic's own words for what is wrong with a field are English sentences of
# its own; these say every kind of error pydantic-core knows (its `ErrorType`)
# in our words, translatable, with the values of the error's `ctx` as
# placeholders. A kind this table lacks (a newer pydantic) gets a general
# message, never pydantic's English: tests/unit/test_i18n_validation.py fails
# until the kind has its words. `item` is one entry of ValidationError.errors().
def _ctx(item: dict, name: str) -> object:
    return (item.get("ctx") or {}).get(name)


def _num(item: dict, name: str) -> int:
    try:
        return int(_ctx(item, name) or 0)
    except (TypeError, ValueError):
        return 0


def _choices(item: dict, name: str = "expected") -> str:
    """Pydantic's list of choices ("'a', 'b' or 'c'") without its English "or"."""
    text = str(_ctx(item, name) or "")
    head, sep, last = text.rpartition(" or ")
    return f"{head}, {last}" if sep else text


def _offset(item: dict) -> str:
    seconds = _num(item, "tz_expected")
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


GENERAL = N_("is not valid")  # a kind of error without words of its own
_TIMESTAMP = N_("must be an ISO 8601 timestamp string with an offset")
_DATE = N_("must be a date such as 2025-05-31")
_TIME = N_("must be a time of day such as 14:30")
_DURATION = N_("must be a duration in seconds or as ISO 8601, such as PT30M")
_URL = N_("must be a web address (URL)")
_UUID = N_("must be a UUID")

VALIDATION_WORDS = {
    # the shape of the body
    "missing": lambda item: N_("is required"),
    "missing_argument": lambda item: N_("is required"),
    "missing_keyword_only_argument": lambda item: N_("is required"),
    "missing_positional_only_argument": lambda item: N_("is required"),
    "missing_sentinel_error": lambda item: GENERAL,
    "extra_forbidden": lambda item: N_("is not a known field"),
    "no_such_attribute": lambda item: N_("is not a known field"),
    "unexpected_keyword_argument": lambda item: N_("is not a known field"),
    "unexpected_positional_argument": lambda item: N_("is not a known field"),
    "multiple_argument_values": lambda item: N_("is given more than once"),
    "arguments_type": lambda item: N_("must be a JSON object"),
    "frozen_field": lambda item: N_("cannot be changed"),
    "frozen_instance": lambda item: N_("cannot be changed"),
    "invalid_key": lambda item: N_("has a key that is not valid"),
    "get_attribute_error": lambda item: GENERAL,
    "default_factory_not_called": lambda item: GENERAL,
    "needs_python_object": lambda item: GENERAL,
    "recursion_loop": lambda item: N_("refers to itself"),
    "recursion_depth_exceeded": lambda item: N_("is nested too deeply"),
    "json_invalid": lambda item: N_("is not valid JSON"),
    "json_type": lambda item: N_("must be a string of JSON"),
    # objects
    "model_type": lambda item: N_("must be a JSON object"),
    "model_attributes_type": lambda item: N_("must be a JSON object"),
    "dataclass_type": lambda item: N_("must be a JSON object"),
    "dataclass_exact_type": lambda item: N_("must be a JSON object"),
    "dict_type": lambda item: N_("must be a JSON object"),
    "frozen_dict_type": lambda item: N_("must be a JSON object"),
    "ordered_dict_type": lambda item: N_("must be a JSON object"),
    "counter_type": lambda item: N_("must be a JSON object"),
    "mapping_type": lambda item: N_("must be a JSON object"),
    "union_tag_invalid": lambda item: msg("must be one of %(choices)s", choices=_choices(item, "expected_tags")),
    "union_tag_not_found": lambda item: msg("needs the field %(field)s", field=_ctx(item, "discriminator")),
    "is_instance_of": lambda item: GENERAL,
    "is_subclass_of": lambda item: GENERAL,
    "callable_type": lambda item: GENERAL,
    "none_required": lambda item: N_("must be null"),
    "ellipsis_error": lambda item: GENERAL,
    # lists
    "list_type": lambda item: N_("must be a list"),
    "tuple_type": lambda item: N_("must be a list"),
    "named_tuple_type": lambda item: N_("must be a list"),
    "set_type": lambda item: N_("must be a list"),
    "frozen_set_type": lambda item: N_("must be a list"),
    "deque_type": lambda item: N_("must be a list"),
    "iterable_type": lambda item: N_("must be a list"),
    "iteration_error": lambda item: N_("must be a list"),
    "set_item_not_hashable": lambda item: N_("must not hold lists or objects"),
    "too_short": lambda item: nmsg("must have at least %(num)d item", "must have at least %(num)d items",
                                   _num(item, "min_length")),
    "too_long": lambda item: nmsg("must have at most %(num)d item", "must have at most %(num)d items",
                                  _num(item, "max_length")),
    # text
    "string_type": lambda item: N_("must be a string"),
    "string_unicode": lambda item: N_("must be valid Unicode text"),
    "string_not_ascii": lambda item: N_("must hold ASCII characters only"),
    "string_too_short": lambda item: (N_("must not be empty") if _num(item, "min_length") == 1 else
                                      nmsg("must be at least %(num)d character", "must be at least %(num)d characters",
                                           _num(item, "min_length"))),
    "string_too_long": lambda item: nmsg("must be at most %(num)d character", "must be at most %(num)d characters",
                                         _num(item, "max_length")),
    "string_pattern_mismatch": lambda item: msg("must match the pattern %(pattern)s", pattern=_ctx(item, "pattern")),
    "bytes_type": lambda item: N_("must be a string"),
    "bytes_too_short": lambda item: nmsg("must be at least %(num)d byte", "must be at least %(num)d bytes",
                                         _num(item, "min_length")),
    "bytes_too_long": lambda item: nmsg("must be at most %(num)d byte", "must be at most %(num)d bytes",
                                        _num(item, "max_length")),
    "bytes_invalid_encoding": lambda item: N_("is not correctly encoded"),
    "literal_error": lambda item: msg("must be one of %(choices)s", choices=_choices(item)),
    "enum": lambda item: msg("must be one of %(choices)s", choices=_choices(item)),
    # numbers
    "bool_type": lambda item: N_("must be true or false"),
    "bool_parsing": lambda item: N_("must be true or false"),
    "int_type": lambda item: N_("must be a whole number"),
    "int_parsing": lambda item: N_("must be a whole number"),
    "int_from_float": lambda item: N_("must be a whole number"),
    "int_parsing_size": lambda item: N_("is too large a number"),
    "float_type": lambda item: N_("must be a number"),
    "float_parsing": lambda item: N_("must be a number"),
    "finite_number": lambda item: N_("must be a finite number"),
    "decimal_type": lambda item: N_("must be a number"),
    "decimal_parsing": lambda item: N_("must be a number"),
    "decimal_max_digits": lambda item: nmsg("must have at most %(num)d digit", "must have at most %(num)d digits",
                                            _num(item, "max_digits")),
    "decimal_max_places": lambda item: nmsg("must have at most %(num)d decimal place",
                                            "must have at most %(num)d decimal places", _num(item, "decimal_places")),
    "decimal_whole_digits": lambda item: nmsg("must have at most %(num)d digit before the decimal point",
                                              "must have at most %(num)d digits before the decimal point",
                                              _num(item, "whole_digits")),
    "fraction_type": lambda item: N_("must be a number"),
    "fraction_parsing": lambda item: N_("must be a number"),
    "complex_type": lambda item: N_("must be a number"),
    "complex_str_parsing": lambda item: N_("must be a number"),
    "greater_than": lambda item: msg("must be more than %(limit)s", limit=_ctx(item, "gt")),
    "greater_than_equal": lambda item: msg("must be at least %(limit)s", limit=_ctx(item, "ge")),
    "less_than": lambda item: msg("must be less than %(limit)s", limit=_ctx(item, "lt")),
    "less_than_equal": lambda item: msg("must be at most %(limit)s", limit=_ctx(item, "le")),
    "multiple_of": lambda item: msg("must be a multiple of %(step)s", step=_ctx(item, "multiple_of")),
    # time
    "timezone_aware": lambda item: N_("must have a time zone offset"),
    "timezone_naive": lambda item: N_("must not have a time zone offset"),
    "timezone_offset": lambda item: msg("must have the time zone offset %(offset)s", offset=_offset(item)),
    "datetime_type": lambda item: _TIMESTAMP,
    "datetime_parsing": lambda item: _TIMESTAMP,
    "datetime_from_date_parsing": lambda item: _TIMESTAMP,
    "datetime_object_invalid": lambda item: _TIMESTAMP,
    "datetime_past": lambda item: N_("must be in the past"),
    "datetime_future": lambda item: N_("must be in the future"),
    "date_type": lambda item: _DATE,
    "date_parsing": lambda item: _DATE,
    "date_from_datetime_parsing": lambda item: _DATE,
    "date_from_datetime_inexact": lambda item: N_("must be a date without a time of day"),
    "date_past": lambda item: N_("must be in the past"),
    "date_future": lambda item: N_("must be in the future"),
    "time_type": lambda item: _TIME,
    "time_parsing": lambda item: _TIME,
    "time_delta_type": lambda item: _DURATION,
    "time_delta_parsing": lambda item: _DURATION,
    # other formats
    "url_type": lambda item: _URL,
    "url_parsing": lambda item: _URL,
    "url_syntax_violation": lambda item: _URL,
    "url_too_long": lambda item: nmsg("must be at most %(num)d character", "must be at most %(num)d characters",
                                      _num(item, "max_length")),
    "url_scheme": lambda item: msg("must be a web address starting with %(schemes)s",
                                   schemes=_choices(item, "expected_schemes")),
    "uuid_type": lambda item: _UUID,
    "uuid_parsing": lambda item: _UUID,
    "uuid_version": lambda item: msg("must be a version %(version)s UUID", version=_ctx(item, "expected_version")),
    # a validator's own (value_error: see validation_message)
    "value_error": lambda item: GENERAL,
    "assertion_error": lambda item: GENERAL,
}


def validation_message(item: dict) -> str:
    """What is wrong with one field of a pydantic ValidationError, in words a
    catalogue holds. A validator's own ValueError keeps its message (our
    validators raise marked ones); every other kind gets the table's words, and
    an unknown kind the general message, never pydantic's English."""
    error = _ctx(item, "error")
    if item.get("type") == "value_error" and isinstance(error, ValueError) and error.args \
            and isinstance(error.args[0], str):
        return error.args[0]
    words = VALIDATION_WORDS.get(item.get("type", ""))
    return words(item) if words else GENERAL
