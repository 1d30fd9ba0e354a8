"""Counting the words of a summary, in any script. Pure.

A word is a run of letters, digits and combining marks; an apostrophe or a
hyphen inside such a run keeps it one word ("don't", "e-government"), and so
does a zero-width (non-)joiner (Persian writes "می‌خواهم" with one). Everything
else separates words: spaces, punctuation (Arabic's "،" "؛" "؟" too), symbols.

- Arabic, Hebrew, Cyrillic, Greek, Devanagari, Hangul...: words are separated
  by spaces, and the marks written above and below letters (Arabic harakat,
  shadda, Indic vowel signs) and the tatweel are part of the word, not words
  of their own. That is the run rule above; Python's `\\w` would split "كَتَبَ"
  at every vowel mark, which is why this is a loop over categories.
- Chinese and Japanese are written without spaces: every Han ideograph, and
  every hiragana and katakana character, counts as one word. This is what
  Microsoft Word and Google Docs do, so the number an entrant sees in their
  editor is the number we check. (The katakana prolonged-sound mark and the
  iteration marks belong to the character before them and add nothing.)
- Thai, Lao, Khmer and Myanmar also write without spaces, but their words
  cannot be found without a dictionary: a run between spaces counts once.
  That errs towards the entrant; the summary's character limit still holds.

`voting/static/wordcount.js` counts the same way for the live count on the
form; this module is the one that decides.
"""

from __future__ import annotations

import unicodedata

# Inside a word they keep it one word; at its edges they are punctuation.
JOINERS = frozenset("'’‐-\u200c\u200d")
# Marks that lengthen or repeat the character before them.
CONTINUATIONS = frozenset("\u30fc\u309d\u309e\u30fd\u30fe\u3005")
# Scripts written without spaces in which each character is a word.
CHARACTER_WORDS = (
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK unified ideographs, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9D),  # half-width katakana
    (0x20000, 0x323AF),  # CJK extensions B to H
)


def _character_word(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in CHARACTER_WORDS)


def count_words(text: str) -> int:
    count = 0
    in_word = False
    for ch in text:
        if ch in CONTINUATIONS:
            continue
        if _character_word(ch):
            count += 1
            in_word = False
        elif unicodedata.category(ch)[0] in "LNM":
            if not in_word:
                count += 1
                in_word = True
        elif ch in JOINERS and in_word:
            continue  # "e-government": the run goes on if a letter follows, else the next space ends it
        else:
            in_word = False
    return count
