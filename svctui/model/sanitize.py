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
# Line breaks and tabs become a space so words stay apart; every other C0, DEL and C1 goes, and so do
# the bidirectional overrides/isolates that reorder what the terminal shows (CVE-2021-42574).
_SPACES = re.compile(r"[\t\n\v\f\r]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def is_plain(s: str) -> bool:
    """plain(s) would return s as it is (no control character, nothing to strip)."""
    return _CONTROLS.search(s) is None


def plain(text: object, max_len: int | None = None) -> str:
    """Untrusted text as plain, printable text: no control characters at all, single line."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    # Every sequence starts with, and every space or control to drop is, a character of _CONTROLS:
    # almost all names hold none, and one search is far cheaper than three substitutions.
    if _CONTROLS.search(s) is not None:
        s = _SEQUENCES.sub("", s)
        s = _SPACES.sub(" ", s)
        s = _CONTROLS.sub("", s)
    if max_len is not None and len(s) > max_len:
        s = s[: max(0, max_len - 1)] + "…"
    return s
