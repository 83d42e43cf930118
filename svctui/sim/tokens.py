"""Bearer tokens the sim can check on its own: HMAC over user, groups and expiry (the exec plugin mints them
in another process with the same secret, as a cloud's token webhook would verify its own signed tokens)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

PREFIX = "svctui-sim-v1."


@dataclass(frozen=True)
class Identity:
    user: str
    groups: tuple[str, ...]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint(secret: bytes, user: str, groups: tuple[str, ...], expires: float) -> str:
    body = _b64(json.dumps({"u": user, "g": list(groups), "exp": expires}, separators=(",", ":")).encode())
    sig = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    return f"{PREFIX}{body}.{sig}"


def verify(secret: bytes, token: str, now: float) -> Identity | None:
    """The identity in a token signed with secret and not expired at now; None otherwise."""
    if not token.startswith(PREFIX):
        return None
    body, _, sig = token[len(PREFIX):].partition(".")
    raw_body = body.encode("utf-8", "surrogateescape")
    want = _b64(hmac.new(secret, raw_body, hashlib.sha256).digest())
    # Bytes: compare_digest refuses non-ASCII str, and a token is whatever the client sent.
    if not hmac.compare_digest(want.encode(), sig.encode("utf-8", "surrogateescape")):
        return None
    try:
        data = json.loads(_unb64(body))
        user, groups, expires = str(data["u"]), tuple(str(g) for g in data["g"]), float(data["exp"])
    except (ValueError, KeyError, TypeError):
        return None
    if now >= expires:
        return None
    return Identity(user, groups)
