"""Names, labels and messages come from the cluster and may carry terminal escape sequences (a pod
name cannot, but an event message, an annotation or a label value shown in the details pane can).
Everything the UI shows from the cluster goes through `plain()` first, and is rendered literally.
"""

from __future__ import annotations

import re

# Whole escape sequences first, so no "[31m" debris is left once ESC itself is gone:
# CSI (ESC [ or 8-bit 0x9b) params/intermediates/final; OSC, DCS, SOS, PM, APC strings up to BEL or
# ST (unterminated ones lose only their introducer, so no text vanishes); other ESC sequences.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).{0,4096}?(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?",
    re.DOTALL,
)
# Line breaks and tabs become a space so words stay apart; every other C0, DEL and C1 goes.
_SPACES = re.compile(r"[\t\n\v\f\r\u2028\u2029]+")
_DROP = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Characters that draw nothing yet change what a name is: zero-width ones (two names that look the same
# on screen are different Services), bidi overrides and isolates that reorder the text around them
# (CVE-2021-42574), the BOM, tag characters. Dropping them would hide the difference, so they are shown
# as a visible \u200b escape instead. This is Unicode's whole Cf (format) category, plus the Hangul
# fillers and the combining grapheme joiner, which render blank.
_INVISIBLE_SET = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_SET}]")
_CONTROLS = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_INVISIBLE_SET}]")


def _escape(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


def is_plain(s: str) -> bool:
    """plain(s) would return s as it is (no control character, nothing to strip or escape)."""
    # Nearly every name is printable ASCII: two C-speed checks (isascii() reads a flag) instead of a
    # regex over a class of 40 ranges.
    return (s.isascii() and s.isprintable()) or _CONTROLS.search(s) is None


def plain(text: object, max_len: int | None = None) -> str:
    """Untrusted text as plain, printable text: no control characters at all, single line, every
    invisible character shown as an escape. The result is meant for Rich Text or markup=False: never
    give it to anything that parses markup."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    # Every sequence starts with, and every space or control to drop is, a character of _CONTROLS:
    # almost all names hold none, and one search is far cheaper than three substitutions.
    if not (s.isascii() and s.isprintable()) and _CONTROLS.search(s) is not None:
        s = _SEQUENCES.sub("", s)
        s = _SPACES.sub(" ", s)
        s = _DROP.sub("", s)
        s = _INVISIBLE.sub(_escape, s)
    if max_len is not None and len(s) > max_len:
        s = s[: max(0, max_len - 1)] + "…"
    return s
