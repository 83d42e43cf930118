"""Reading one HTTP exchange as printed by `curl -sS -i` (or `wget -S`): status, and which backend answered.

Shared by `svctui probe` and the UI's curl / load-balancing panes. Backends reveal themselves by an
`X-Served-By` header, a one-line hostname body, or (with `short_body=True`, the UI's choice) any short
one-line body such as the seed tutorial's "Pod 2 responding!". nginx's default page names no pod.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STATUS = re.compile(rb"^HTTP/[\d.]+ (\d{3})(?: ([^\r\n]*))?", re.M)
_HOSTNAME = re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")
NGINX_DEFAULT = "nginx default page (pod not identifiable)"
SHORT_BODY = 60


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    status: str  # "200 OK", or the client's last error line ("curl: (7) Failed to connect ...")
    backend: str  # who answered, "" when unknown


def read_curl(exit_code: int, stdout: bytes, stderr: bytes, *, short_body: bool = False) -> Reply:
    """(ok, status, backend) from `curl -sS -i` output."""
    if exit_code != 0:
        err = stderr.decode("utf-8", "replace").strip().splitlines()
        return Reply(False, err[-1] if err else f"curl exit code {exit_code}", "")
    head, _, body = stdout.partition(b"\r\n\r\n")
    m = _STATUS.search(head)
    if m is None:
        return Reply(False, "no HTTP status in the reply", "")
    code = int(m.group(1))
    status = f"{code} {(m.group(2) or b'').decode('latin-1').strip()}".strip()
    backend = ""
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"x-served-by":
            backend = value.decode("utf-8", "replace").strip()
    text = body.decode("utf-8", "replace").strip()
    if not backend and text and "\n" not in text and _HOSTNAME.fullmatch(text):
        backend = text
    if not backend and short_body and text and "\n" not in text and len(text) <= SHORT_BODY and "<" not in text:
        backend = text
    if not backend and "Welcome to nginx!" in text:
        backend = NGINX_DEFAULT
    return Reply(200 <= code < 400, status, backend)
