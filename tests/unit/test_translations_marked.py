"""Every string a reader sees is marked for translation.

Templates are read as the browser would see them: Jinja's lexer separates the
template's own text from its tags, everything inside `{% trans %}` and every
`{{ … }}` counts as marked, and an HTML parser finds the text left over and the
attributes that people read (title, aria-label, placeholder, alt, …). What is
not language (punctuation, numbers, `·`, arrows) may stay. Mail templates are
plain text: every line of theirs is read.

In Python, the places where the code hands text to a reader are checked by
their shape: flash messages, form labels and descriptions, the fields'
messages of validation errors, and ApiError messages built with f-strings
(which no catalogue can hold)."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Other helpers' areas, and what is not shown to readers (commands, the demo's data, benchmarks).
PYTHON = [p for top in ("voting", "judging") for p in sorted((ROOT / top).rglob("*.py"))
          if not any(part in p.parts for part in ("demo",))]

MARK = "\ue000"  # stands for a Jinja tag or expression: not a letter, and allowed inside HTML names
READ_ATTRIBUTES = {"title", "aria-label", "aria-description", "aria-roledescription", "aria-valuetext", "alt",
                   "placeholder", "summary"}
BUTTON_TYPES = {"submit", "button", "reset"}
LETTERS = re.compile(r"[^\W\d_]")
# Text that is markup, not language: a macro that writes attributes (ballot.html's `tie`).
ATTRIBUTE_TEXT = re.compile(r'[\w-]+="[^"]*"')

_lexer = Environment(extensions=["jinja2.ext.i18n"])


def flatten(source: str) -> str:
    """The template's own text, with MARK for each tag and expression and for the
    text inside {% trans %} blocks (which the catalogue holds)."""
    out: list[str] = []
    in_trans = False
    words: list[str] | None = None
    for _line, kind, value in _lexer.lex(source):
        if kind == "data":
            out.append(MARK if in_trans else value)
        elif kind == "block_begin":
            words = []
        elif kind == "name" and words == []:
            words.append(value)
            in_trans = {"trans": True, "endtrans": False}.get(value, in_trans)
        elif kind != "whitespace" and words is not None:
            words.append(value)
        if kind.endswith("_end"):
            out.append(MARK)
            words = None
    return "".join(out)


def language(text: str) -> bool:
    return bool(LETTERS.search(text.replace(MARK, " ")))


class Unmarked(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0  # inside <script> or <style>

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        if tag in {"script", "style"}:
            self._raw += 1
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (tag == "input" and name == "value" and named.get("type") in BUTTON_TYPES)
            if read and value and language(value):
                self.found.append(f"line {self.getpos()[0]}: <{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._raw -= 1

    def handle_data(self, data):
        text = ATTRIBUTE_TEXT.sub(" ", data.replace(MARK, " ")).strip()
        if not self._raw and language(text):
            self.found.append(f"line {self.getpos()[0]}: {' '.join(text.split())[:80]!r}")


def unmarked_in_template(source: str, plain_text: bool) -> list[str]:
    flat = flatten(source)
    if plain_text:
        return [repr(" ".join(line.replace(MARK, " ").split())) for line in flat.splitlines() if language(line)]
    parser = Unmarked()
    parser.feed(flat)
    parser.close()
    return parser.found


@pytest.mark.parametrize("path", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*")
                                        if p.is_file()))
def test_templates_mark_every_text(path):
    found = unmarked_in_template((TEMPLATES / path).read_text(), plain_text=path.endswith(".txt"))
    assert not found, f"templates/{path}: text not marked for translation: {found}"


def test_the_template_check_finds_what_it_must():
    html = ('<p>Hello</p><a title="Go back" href="/">{{ _("Back") }}</a><img alt="A photo">'
            '<input type="submit" value="Send"><p>{% trans %}Fine{% endtrans %} · 12 – {{ x }}</p>'
            '<h{{ n }} id="a-{{ x }}">{{ _("Fine") }}</h{{ n }}><script>var s = "not read";</script>')
    found = unmarked_in_template(html, plain_text=False)
    assert len(found) == 4 and all(any(word in f for f in found) for word in ("Hello", "Go back", "A photo", "Send"))
    assert unmarked_in_template("{% trans n=1 %}Hi {{ n }}{% endtrans %}\n{{ link }}\n", plain_text=True) == []
    assert unmarked_in_template("Hello {{ name }},\n", plain_text=True)


# --- Python -----------------------------------------------------------------------------------------------------

GETTEXT = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "lazy_ngettext", "N_", "msg", "nmsg", "str"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_text(node: ast.AST) -> bool:
    """A literal or formatted string: what a reader would get untranslated."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and language(node.value)


def _formatted(node: ast.AST) -> bool:
    """An f-string or a concatenation: babel.cfg's keywords extract only literal messages."""
    return isinstance(node, (ast.JoinedStr, ast.BinOp)) and _is_text(node)


def unmarked_in_python(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name, args = _name(node), node.args
        shown: list[ast.AST] = []  # any text here is unmarked
        extracted: list[ast.AST] = []  # babel.cfg extracts these when they are literals
        if name == "flash" and args:
            shown.append(args[0])
        elif name.endswith("Field") and name[:1].isupper():  # WTForms fields: the label, the description
            shown += args[:1] + [k.value for k in node.keywords if k.arg in {"label", "description"}]
        elif name == "validation_error" and args:
            if isinstance(args[0], ast.Dict):
                shown += args[0].values
            elif isinstance(args[0], ast.DictComp):
                shown.append(args[0].value)
            extracted += args[1:2]
        elif name == "ApiError" and len(args) > 1:
            extracted.append(args[1])
            if len(args) > 3 and isinstance(args[3], ast.Dict):
                shown += args[3].values
        for item in shown:
            if _is_text(item):
                found.append(f"line {item.lineno}: {ast.unparse(item)[:80]}")
        for item in extracted:
            if _formatted(item):
                found.append(f"line {item.lineno}: {ast.unparse(item)[:80]}")
    return found


@pytest.mark.parametrize("path", [p.relative_to(ROOT).as_posix() for p in PYTHON])
def test_python_marks_what_it_shows(path):
    found = unmarked_in_python((ROOT / path).read_text())
    assert not found, f"{path}: not marked for translation: {found}"


def test_the_python_check_finds_what_it_must():
    source = '''
flash("Saved.")
flash(_("Saved."))
name = StringField("Name", description=_l("Your name"))
raise validation_error({"email": "is wrong", "name": N_("is wrong")}, "Bad request.")
raise ApiError("conflict", f"Contest {slug} exists", 409)
raise ApiError("conflict", "A literal is extracted.", 409, {"slug": "is taken"})
'''
    found = unmarked_in_python(source)
    assert [f.split(":")[0] for f in found] == ["line 2", "line 4", "line 5", "line 6", "line 7"], found
