"""Repair of the text in Meta's data exports.

The exports write every byte of a UTF-8 string as its own escape, so "ø" arrives as
"\\u00c3\\u00b8" and decodes to two characters, U+00C3 U+00B8. Encoding such a string as
latin-1 restores the bytes, and decoding them as UTF-8 restores the text. A correct string
either contains a character above U+00FF (an emoji, "€") and cannot be latin-1 encoded, or its
latin-1 bytes are not valid UTF-8 ("Smørrebrød" gives a lone 0xF8), so it is left as it is.
"""

from __future__ import annotations

from typing import Any


def repair_mojibake(text: str) -> str:
    """Return the text with byte-escaped UTF-8 restored, or unchanged when that does not apply."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def repair_tree(value: Any) -> Any:
    """Apply repair_mojibake to every string (keys too) in a decoded JSON document."""
    if isinstance(value, str):
        return repair_mojibake(value)
    if isinstance(value, list):
        return [repair_tree(item) for item in value]
    if isinstance(value, dict):
        return {repair_mojibake(key): repair_tree(item) for key, item in value.items()}
    return value
