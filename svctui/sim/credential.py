"""The sim's exec credential plugin: `python -m svctui.sim.credential STATE.json` prints an ExecCredential.

What client-go, kubectl and the Python clients run for a kubeconfig user with an `exec:` stanza (as
`aws eks get-token` on EKS): each run mints a fresh token (or client certificate) that expires after the
TTL, and appends one line to a log so tests can count runs. STATE.json is written beside the kubeconfig by
the sim (mode 0600) and holds the signing secret; the plugin never talks to the sim.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .tokens import mint


def _rfc3339(epoch: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential(state: dict[str, Any], api_version: str, now: float) -> dict[str, Any]:
    # Whole seconds: expirationTimestamp is RFC 3339 without fractions, and the token must not outlive it.
    expires = float(int(now + float(state["ttl"])))
    status: dict[str, Any] = {"expirationTimestamp": _rfc3339(expires)}
    user, groups = state["user"], tuple(state.get("groups") or ())
    if state.get("credential") == "cert":
        # Only a certificate needs cryptography (42 ms to import): kubectl runs the plugin once per
        # command, and the token path should not pay for it.
        from .pki import CertificateAuthority, KeyPair

        ca = CertificateAuthority.from_pair(KeyPair(state["ca_cert"].encode(), state["ca_key"].encode()))
        pair = ca.client_pair(user, groups, lifetime=max(1.0, expires - now))
        status["clientCertificateData"] = pair.cert_pem.decode()
        status["clientKeyData"] = pair.key_pem.decode()
    else:
        status["token"] = mint(bytes.fromhex(state["secret"]), user, groups, expires)
    return {"kind": "ExecCredential", "apiVersion": api_version, "spec": {}, "status": status}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m svctui.sim.credential STATE.json", file=sys.stderr)
        return 2
    try:
        state = json.loads(Path(argv[0]).read_text())
    except (OSError, ValueError) as exc:
        print(f"svctui sim credential: cannot read {argv[0]}: {exc}", file=sys.stderr)
        return 1
    api_version = state.get("apiVersion", "client.authentication.k8s.io/v1")
    # client-go passes the ExecCredential it expects in KUBERNETES_EXEC_INFO; answer in its version.
    info = os.environ.get("KUBERNETES_EXEC_INFO")
    if info:
        try:
            api_version = json.loads(info).get("apiVersion") or api_version
        except ValueError:
            pass
    now = time.time()
    try:
        out = credential(state, api_version, now)
    except (KeyError, TypeError, ValueError) as exc:
        print(f"svctui sim credential: {argv[0]} is not a credential state the sim wrote ({exc!r})", file=sys.stderr)
        return 1
    log = state.get("log")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{now:.3f} {api_version} {state.get('credential', 'token')}\n")
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
