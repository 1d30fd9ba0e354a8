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
# its own; these say the common ones in our words, translatable (the rest keep
# pydantic's). `item` is one entry of ValidationError.errors().
def _ctx(item: dict, name: str) -> object:
    return (item.get("ctx") or {}).get(name)


VALIDATION_WORDS = {
    "missing": lambda item: N_("is required"),
    "extra_forbidden": lambda item: N_("is not a known field"),
    "string_type": lambda item: N_("must be a string"),
    "int_type": lambda item: N_("must be a whole number"),
    "int_from_float": lambda item: N_("must be a whole number"),
    "float_type": lambda item: N_("must be a number"),
    "bool_type": lambda item: N_("must be true or false"),
    "list_type": lambda item: N_("must be a list"),
    "dict_type": lambda item: N_("must be a JSON object"),
    "model_type": lambda item: N_("must be a JSON object"),
    "model_attributes_type": lambda item: N_("must be a JSON object"),
    "timezone_aware": lambda item: N_("must have a time zone offset"),
    "datetime_type": lambda item: N_("must be an ISO 8601 timestamp string with an offset"),
    "datetime_parsing": lambda item: N_("must be an ISO 8601 timestamp string with an offset"),
    "datetime_from_date_parsing": lambda item: N_("must be an ISO 8601 timestamp string with an offset"),
    "string_too_short": lambda item: (N_("must not be empty") if _ctx(item, "min_length") == 1 else
                                      nmsg("must be at least %(num)d character", "must be at least %(num)d characters",
                                           int(_ctx(item, "min_length") or 0))),
    "string_too_long": lambda item: nmsg("must be at most %(num)d character", "must be at most %(num)d characters",
                                         int(_ctx(item, "max_length") or 0)),
    "too_short": lambda item: nmsg("must have at least %(num)d item", "must have at least %(num)d items",
                                   int(_ctx(item, "min_length") or 0)),
    "too_long": lambda item: nmsg("must have at most %(num)d item", "must have at most %(num)d items",
                                  int(_ctx(item, "max_length") or 0)),
    "greater_than": lambda item: msg("must be more than %(limit)s", limit=_ctx(item, "gt")),
    "greater_than_equal": lambda item: msg("must be at least %(limit)s", limit=_ctx(item, "ge")),
    "less_than": lambda item: msg("must be less than %(limit)s", limit=_ctx(item, "lt")),
    "less_than_equal": lambda item: msg("must be at most %(limit)s", limit=_ctx(item, "le")),
    "literal_error": lambda item: msg("must be one of %(choices)s", choices=_ctx(item, "expected")),
    "enum": lambda item: msg("must be one of %(choices)s", choices=_ctx(item, "expected")),
}


def validation_message(item: dict) -> str:
    """What is wrong with one field of a pydantic ValidationError, in words a
    catalogue holds where we have them. A validator's own ValueError keeps its
    message (our validators raise marked ones)."""
    if item.get("type") == "value_error" and isinstance(_ctx(item, "error"), ValueError):
        return str(_ctx(item, "error").args[0]) if _ctx(item, "error").args else item["msg"]
    words = VALIDATION_WORDS.get(item.get("type", ""))
    return words(item) if words else item.get("msg", "")
