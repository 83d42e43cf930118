"""The `oidc` auth-provider, as client-go's plugin/pkg/client/auth/oidc does it.

The id-token is sent as the bearer token while its JWT `exp` is more than ten seconds away (client-go's
expiryDelta; the signature is not checked, the API server does that). Then, with a refresh-token, the
issuer's token endpoint is found through `{idp-issuer-url}/.well-known/openid-configuration`, a
`grant_type=refresh_token` POST made (client credentials in HTTP Basic first, in the form on failure: the
auto-detection of golang.org/x/oauth2), and the answer's `id_token` (and `refresh_token` if it changed)
written back into the kubeconfig file that defines the user, as client-go's persister does: an issuer that
rotates refresh tokens has made the file's old one useless, and kubectl would be locked out.

Blocking (urllib): the sync client's requests need it from threads, the event loop runs it in a thread.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlencode

import yaml

from ..model.sanitize import plain

EXPIRY_DELTA = 10.0  # seconds: client-go's (taken from x/oauth2) allowance for clock skew
HTTP_TIMEOUT = 30.0
LOCK_WAIT = 2.0
# What client-go says of the auth-providers it removed (1.26); their exec plugin replacements.
REMOVED = {
    "gcp": 'the gcp auth plugin has been removed: use the "gke-gcloud-auth-plugin" exec credential plugin '
           "(https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke)",
    "azure": 'the azure auth plugin has been removed: use the "kubelogin" exec credential plugin '
             "(https://azure.github.io/kubelogin/)",
}


class OidcError(Exception):
    pass


@dataclass
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    id_token: str
    refresh_token: str
    ca_file: str | None
    ca_data: str | None

    @classmethod
    def parse(cls, config: Any) -> OidcConfig:
        cfg = config if isinstance(config, dict) else {}

        def get(key: str) -> str:
            v = cfg.get(key)
            return "" if v is None else str(v)

        for required in ("idp-issuer-url", "client-id"):
            if not get(required):
                raise OidcError(f"the oidc auth-provider must provide {required}")
        ca_data = None
        if get("idp-certificate-authority-data"):
            try:
                ca_data = base64.b64decode(get("idp-certificate-authority-data"), validate=True).decode("ascii")
            except (binascii.Error, ValueError):
                raise OidcError("idp-certificate-authority-data is not base64 of a PEM certificate") from None
        return cls(get("idp-issuer-url"), get("client-id"), get("client-secret"), get("id-token"),
                   get("refresh-token"), get("idp-certificate-authority") or None, ca_data)


def id_token_valid(token: str, now: float) -> bool:
    """client-go's idTokenExpired (which answers "still valid"): exp more than EXPIRY_DELTA after now.
    A token without exp counts as expired; one that is not a JWT is an error, as there."""
    parts = token.split(".")
    if len(parts) != 3:
        raise OidcError("the oidc id-token is not a valid JWT")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        raise OidcError("the oidc id-token's claims cannot be parsed") from None
    exp = claims.get("exp", 0) if isinstance(claims, dict) else 0
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise OidcError("the oidc id-token's exp is not a number")
    return now + EXPIRY_DELTA < int(exp)


def _ssl_context(cfg: OidcConfig) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=cfg.ca_file, cadata=cfg.ca_data)
    except (OSError, ssl.SSLError) as exc:
        raise OidcError(f"the issuer's certificate authority is unusable: {exc}") from None


def _short(body: bytes) -> str:
    # An issuer may answer with a whole HTML page: client-go keeps 80 bytes of it.
    text = body[:80].decode("utf-8", "replace") + ("..." if len(body) > 80 else "")
    return plain(text)


def _open(req: urllib.request.Request, ctx: ssl.SSLContext) -> tuple[int, bytes]:
    """Status and body; HTTP errors are answers too (their body says why)."""
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT, context=ctx) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OidcError(f"{plain(req.full_url)}: {plain(reason)}") from None


def token_endpoint(cfg: OidcConfig, ctx: ssl.SSLContext) -> str:
    url = cfg.issuer.rstrip("/") + "/.well-known/openid-configuration"
    status, body = _open(urllib.request.Request(url), ctx)
    if status != 200:
        raise OidcError(f"failed to query the issuer's metadata endpoint {plain(url)}: HTTP {status}: {_short(body)}")
    try:
        meta = json.loads(body)
    except ValueError:
        raise OidcError(f"the issuer's discovery document at {plain(url)} is not JSON") from None
    endpoint = meta.get("token_endpoint") if isinstance(meta, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        raise OidcError(f"the issuer's discovery document at {plain(url)} has no token_endpoint")
    return endpoint


def _token_request(cfg: OidcConfig, url: str, in_header: bool) -> urllib.request.Request:
    form = {"grant_type": "refresh_token", "refresh_token": cfg.refresh_token}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    if in_header:
        # RFC 6749 2.3.1: each part form-encoded before the Basic encoding (x/oauth2 does so too).
        pair = f"{quote_plus(cfg.client_id)}:{quote_plus(cfg.client_secret)}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    else:
        form["client_id"] = cfg.client_id
        if cfg.client_secret:
            form["client_secret"] = cfg.client_secret
    return urllib.request.Request(url, data=urlencode(form).encode(), headers=headers, method="POST")


def _token_answer(status: int, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if status < 200 or status > 299:
        if isinstance(data, dict) and data.get("error"):
            desc = f": {plain(data.get('error_description'))}" if data.get("error_description") else ""
            raise OidcError(f"HTTP {status}, {plain(data['error'])}{desc}")
        raise OidcError(f"HTTP {status}: {_short(body)}")
    if not isinstance(data, dict):
        raise OidcError("the token endpoint's answer is not a JSON object")
    if not data.get("access_token"):
        raise OidcError("the token endpoint's answer has no access_token")
    return data


def refresh(cfg: OidcConfig) -> tuple[str, str]:
    """A new (id_token, refresh_token) from the issuer; the refresh_token is the old one unless rotated."""
    if not cfg.refresh_token:
        raise OidcError("no valid id-token, and cannot refresh without refresh-token")
    ctx = _ssl_context(cfg)
    url = token_endpoint(cfg, ctx)
    try:
        data = _token_answer(*_open(_token_request(cfg, url, True), ctx))
    except OidcError:
        # x/oauth2's auto-detection: an issuer that wants client_secret_post refuses the Basic header.
        try:
            data = _token_answer(*_open(_token_request(cfg, url, False), ctx))
        except OidcError as exc:
            raise OidcError(f"failed to refresh the id-token at {plain(url)}: {exc}") from None
    id_token = data.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise OidcError("the token endpoint's answer has no id_token (was the scope openid asked for at login? "
                        "some issuers do not return one on refresh)")
    rotated = data.get("refresh_token")
    return id_token, rotated if isinstance(rotated, str) and rotated else cfg.refresh_token


def persist(path: Path, user_name: str, id_token: str, refresh_token: str, lock_wait: float = LOCK_WAIT) -> None:
    """Write the two fields into `user_name`'s auth-provider config in `path`, nothing else of it changed
    but its formatting: a YAML round trip keeps key order, not comments, quoting or layout. Atomic (a
    temporary file renamed over it, the same mode), and under kubectl's lock file (`path.lock`)."""
    real = Path(os.path.realpath(path))  # a symlinked kubeconfig stays a symlink
    lock = real.with_name(real.name + ".lock")
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            if time.monotonic() > deadline:
                raise OidcError(f"could not persist the new tokens: {lock} exists (kubectl writing it?)") from None
            time.sleep(0.05)
        except OSError as exc:
            raise OidcError(f"could not persist the new tokens in {real}: {exc.strerror or exc}") from None
    try:
        _rewrite(real, user_name, id_token, refresh_token)
    finally:
        lock.unlink(missing_ok=True)


def stored(path: Path, user_name: str) -> tuple[str, str] | None:
    """The user's id-token and refresh-token as the file has them now; None if unreadable or gone."""
    try:
        data = yaml.safe_load(Path(os.path.realpath(path)).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    users = data.get("users") if isinstance(data, dict) else None
    entry = next((u for u in users or [] if isinstance(u, dict) and u.get("name") == user_name), None)
    provider = ((entry or {}).get("user") or {}).get("auth-provider")
    if not isinstance(provider, dict) or not isinstance(provider.get("config"), dict):
        return None
    cfg = provider["config"]
    return str(cfg.get("id-token") or ""), str(cfg.get("refresh-token") or "")


def _rewrite(real: Path, user_name: str, id_token: str, refresh_token: str) -> None:
    def fail(why: str) -> OidcError:
        return OidcError(f"could not persist the new tokens in {real}: {why}")

    try:
        data = yaml.safe_load(real.read_text(encoding="utf-8"))
        mode = real.stat().st_mode & 0o7777
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise fail(str(exc)) from None
    users = data.get("users") if isinstance(data, dict) else None
    entry = next((u for u in users or [] if isinstance(u, dict) and u.get("name") == user_name), None)
    provider = ((entry or {}).get("user") or {}).get("auth-provider")
    if not isinstance(provider, dict) or provider.get("name") != "oidc":
        raise fail(f"user {user_name!r} no longer has an oidc auth-provider there")
    if not isinstance(provider.get("config"), dict):
        provider["config"] = {}
    provider["config"]["id-token"] = id_token
    provider["config"]["refresh-token"] = refresh_token
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    try:
        fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as exc:
        raise fail(exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise fail(exc.strerror or str(exc)) from None
