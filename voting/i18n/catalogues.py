"""The catalogues' upkeep, one function per step (docs/translations.md):

- extract: every marked string of voting/, judging/ and templates/ into
  voting/translations/messages.pot (babel.cfg says where and how);
- update: each language's messages.po brought in step with messages.pot (new
  entries empty, for translators; none guessed, so nothing fuzzy appears);
- init: a new language's messages.po;
- compile: messages.po into the messages.mo the app reads, for each language
  whose .mo is missing or older than its .po (scripts/setup-venv runs it).

`flask --app voting translations …` and `scripts/translations …` run these; so
can `python -m voting.i18n.catalogues …`, which needs no app, settings or
database. No Flask here: Babel's own command-line front end does the work."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from voting.i18n.domain import LANGUAGES, SOURCE

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "voting" / "translations"
TEMPLATE = CATALOGUES / "messages.pot"
MAPPING = ROOT / "babel.cfg"
# English is the language of the msgids: it needs no catalogue.
LOCALES = [locale for locale in LANGUAGES if locale != SOURCE]
# Locations name the file only: a line number would change the template with every edit above a message.
EXTRACT_OPTIONS = ["--add-location=file", "--sort-by-file", "--add-comments=Translators:", "--strip-comment-tags",
                   "--project=voting-engine", "--copyright-holder=The voting engine's authors",
                   "--msgid-bugs-address=https://github.com/ (the project's issues)"]


def catalogue(locale: str) -> Path:
    return CATALOGUES / locale / "LC_MESSAGES" / "messages.po"


def _babel(*args: str) -> None:
    # From the repository's root: the template names files by their paths from there (babel.cfg's patterns too).
    with contextlib.chdir(ROOT):
        CommandLineInterface().run(["pybabel", "--quiet", *args])


def extract(output: Path = TEMPLATE) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    _babel("extract", "-F", str(MAPPING), "-o", str(output), *EXTRACT_OPTIONS, ".")
    return output


def init(locale: str) -> Path:
    _babel("init", "-i", str(TEMPLATE), "-d", str(CATALOGUES), "-l", locale)
    return catalogue(locale)


def update() -> list[Path]:
    """Every language's catalogue in step with the template; a missing one is made."""
    done = []
    for locale in LOCALES:
        if not catalogue(locale).exists():
            done.append(init(locale))
            continue
        _babel("update", "-i", str(TEMPLATE), "-d", str(CATALOGUES), "-l", locale, "--no-fuzzy-matching")
        done.append(catalogue(locale))
    return done


def compile_all(force: bool = False) -> list[Path]:
    """messages.mo for each language whose .mo is missing or older than its .po.
    Fuzzy entries are left out (Babel's rule): the page shows English until a translator confirms them."""
    done = []
    for locale in LOCALES:
        po = catalogue(locale)
        if not po.exists():
            continue
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            found = read_po(source, locale=locale)
        with mo.open("wb") as target:
            write_mo(target, found)
        done.append(mo)
    return done


def main(argv: list[str]) -> int:
    steps = {"extract": lambda: [extract()], "update": update, "compile": compile_all,
             "init": lambda: [init(argv[1])] if len(argv) > 1 else sys.exit("init needs a locale, e.g. init de")}
    if not argv or argv[0] not in steps:
        print(f"usage: python -m voting.i18n.catalogues {{{'|'.join(steps)}}} [locale]", file=sys.stderr)
        return 2
    for path in steps[argv[0]]():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
