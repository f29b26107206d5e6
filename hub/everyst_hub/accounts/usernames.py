"""Username normalisation and look-alike detection.

Logins match on `normalize` (NFKC, then case folding): "OWNER" and full-width "ＯＷＮＥＲ"
log in as "owner". New accounts are refused when their `skeleton` equals an existing one's, so a
Cyrillic "оwner" or a Greek "οwner" cannot sit beside "owner" in the Users page or the audit log.

The skeleton follows the idea of Unicode TS #39 (confusable detection) with a deliberately small
table: the Cyrillic and Greek letters that render like Latin letters, and the ASCII pairs that do
("0"/"o", "1"/"l"/"I", "rn"/"m", "vv"/"w"). No maintained Python library computes TS #39
skeletons (confusable_homoglyphs only flags mixed scripts, which would refuse plain Cyrillic
names too), and usernames here are `[\\w.@+-]`, so these scripts are where look-alikes come from.
"""

from __future__ import annotations

import unicodedata

# Source: Unicode confusables.txt (the Latin targets of Cyrillic and Greek letters). Upper and
# lower case are both listed because case folding maps e.g. Cyrillic "В" to "в", which no longer
# looks like "b", so the table is applied before folding as well as after it.
_CONFUSABLE = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "к": "k",
    "ү": "y", "ѵ": "v", "ԍ": "g",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y",
    "Ӏ": "l", "Ѵ": "V", "Ԍ": "G",
    # Greek
    "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "υ": "u", "χ": "x", "ϲ": "c",
    "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C",
    # ASCII look-alikes
    "0": "o", "1": "l", "I": "l", "|": "l",
}  # fmt: skip
_TABLE = str.maketrans(_CONFUSABLE)
_SEQUENCES = (("rn", "m"), ("vv", "w"))


def normalize(username: str) -> str:
    """The form logins and uniqueness compare: NFKC, case-folded (and NFKC again, as folding can
    produce sequences NFKC composes)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def skeleton(username: str) -> str:
    """What a username looks like: equal skeletons mean a reader cannot tell them apart."""
    text = unicodedata.normalize("NFKC", username)
    # Invisible format characters (zero-width joiners and the like) change nothing on screen.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = normalize(text.translate(_TABLE)).translate(_TABLE)
    for sequence, glyph in _SEQUENCES:
        text = text.replace(sequence, glyph)
    return text
