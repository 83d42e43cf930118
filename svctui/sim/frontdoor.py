"""The sim's front door as a real cluster has it: HTTPS with a private CA, and authentication of every request.

Faithful to kube-apiserver: credentials are checked when a request starts (an open watch outlives its token),
a request without valid credentials gets the apiserver's exact 401 Status, and only the health checks stay
open to anonymous clients (the AuthenticationConfiguration `anonymous.conditions` of /livez, /readyz and
/healthz that KEP-4633 added in 1.31-1.32 and CIS recommends; everything else, /version included, is 401).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import ssl
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from . import tokens
from .pki import CertificateAuthority

AUTH_MODES = ("token", "cert", "exec")
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
EXEC_CREDENTIALS = ("token", "cert")
ANONYMOUS_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
# What kube-apiserver's authentication filter writes (apierrors.NewUnauthorized through the JSON
# serializer, whose json.Encoder ends the body with a newline).
UNAUTHORIZED_BODY = (b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",'
                     b'"reason":"Unauthorized","code":401}\n')
# The websocket subprotocol browsers use to carry a bearer token (kube-apiserver's protocol authenticator).
WS_BEARER_PREFIX = "base64url.bearer.authorization.k8s.io."

USER = "svctui-sim"
GROUPS = ("system:masters",)
# What kube-apiserver's anonymous authenticator makes of a request without credentials.
ANONYMOUS = tokens.Identity("system:anonymous", ("system:unauthenticated",))


def parse_user(spec: str) -> tokens.Identity:
    """`NAME` or `NAME:GROUP,GROUP`: a user the front door has a credential for; ValueError when unusable."""
    name, _, groups = spec.partition(":")
    name = name.strip()
    if not name or any(c in name for c in "/\\ \t\n") or not name.isprintable():
        raise ValueError(f"user must be NAME or NAME:GROUP,... with a plain name (got {spec!r})")
    if name == USER:
        raise ValueError(f"user {USER!r} is the sim's admin: pick another name")
    return tokens.Identity(name, tuple(g.strip() for g in groups.split(",") if g.strip()))


def unauthorized() -> web.Response:
    return web.Response(body=UNAUTHORIZED_BODY, status=401, content_type="application/json",
                        headers={"Cache-Control": "no-cache, private"})


def check_options(tls: bool, auth: str | None, exec_api_version: str, exec_credential: str) -> None:
    """ValueError with a one-line reason when the front door options cannot work together."""
    if auth is not None and auth not in AUTH_MODES:
        raise ValueError(f"auth must be one of {', '.join(AUTH_MODES)} (got {auth!r})")
    if exec_api_version not in EXEC_API_VERSIONS:
        raise ValueError(f"exec API version must be one of {', '.join(EXEC_API_VERSIONS)} (got {exec_api_version!r})")
    if exec_credential not in EXEC_CREDENTIALS:
        raise ValueError(f"exec credential must be token or cert (got {exec_credential!r})")
    if not tls and (auth == "cert" or (auth == "exec" and exec_credential == "cert")):
        raise ValueError("client certificates need TLS: add --tls")


class FrontDoor:
    def __init__(self, tls: bool = False, auth: str | None = None, token_ttl: float = 900.0,
                 exec_api_version: str = EXEC_API_VERSIONS[0], exec_credential: str = "token",
                 users: tuple[str, ...] = ()) -> None:
        check_options(tls, auth, exec_api_version, exec_credential)
        if users and auth is None:
            raise ValueError("users need authentication: add --auth token, cert or exec")
        # Users besides the admin, each with a kubeconfig context of its own (svctui-sim-NAME).
        self.users = [parse_user(u) for u in users]
        if token_ttl <= 0:
            raise ValueError("token TTL must be greater than 0")
        self.tls = tls
        self.auth = auth
        self.token_ttl = token_ttl
        self.exec_api_version = exec_api_version
        self.exec_credential = exec_credential
        self.ca = CertificateAuthority() if tls else None
        self.secret = secrets.token_bytes(32)
        self.static_token = secrets.token_urlsafe(32) if auth == "token" else None
        # A static token file's lines: one token per user.
        self.user_tokens = {secrets.token_urlsafe(32): u for u in self.users} if auth == "token" else {}
        self.client_certs = auth == "cert" or (auth == "exec" and exec_credential == "cert")
        self.log_paths: list[Path] = []

    @property
    def ca_pem(self) -> bytes | None:
        return self.ca.cert_pem if self.ca else None

    # ---- serving ----
    def ssl_context(self) -> ssl.SSLContext | None:
        if self.ca is None:
            return None
        pair = self.ca.server_pair()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        # load_cert_chain only reads files; they live just long enough to be read.
        with tempfile.TemporaryDirectory(prefix="svctui-sim-tls-") as d:
            cert, key = Path(d, "tls.crt"), Path(d, "tls.key")
            cert.write_bytes(pair.cert_pem)
            key.touch(0o600)
            key.write_bytes(pair.key_pem)
            ctx.load_cert_chain(cert, key)
        if self.client_certs:
            # Ask for a client certificate but let requests without one through to token auth (as the
            # apiserver's RequestClientCert does); one that does not chain to the CA fails the handshake.
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(cadata=self.ca.cert_pem.decode())
        return ctx

    def authenticate(self, request: web.Request) -> tokens.Identity | None:
        if self.auth is None:
            return tokens.Identity(USER, GROUPS)
        if self.client_certs and request.transport is not None:
            peer = request.transport.get_extra_info("peercert")
            if peer:
                # The handshake checked validity once; kube-apiserver's x509 authenticator checks it on
                # every request, so a kept-alive connection does not outlive its certificate.
                if ssl.cert_time_to_seconds(peer["notAfter"]) <= time.time():
                    return None
                return _identity_from_cert(peer)
        token = _bearer(request)
        if token is None:
            return None
        if self.static_token is not None:
            # Bytes: compare_digest refuses non-ASCII str, and a header is whatever the client sent.
            if secrets.compare_digest(_raw(token), _raw(self.static_token)):
                return tokens.Identity(USER, GROUPS)
            for known, who in self.user_tokens.items():
                if secrets.compare_digest(_raw(token), _raw(known)):
                    return who
            return None
        if self.auth == "exec" and self.exec_credential == "token":
            return tokens.verify(self.secret, token, time.time())
        return None

    def allows(self, request: web.Request) -> bool:
        return self.identify(request) is not None

    def identify(self, request: web.Request) -> tokens.Identity | None:
        """Who the request is, with the group every authenticated user has; None for a 401."""
        who = self.authenticate(request)
        if who is not None:
            if "system:authenticated" in who.groups:
                return who
            return tokens.Identity(who.user, (*who.groups, "system:authenticated"))
        # Anonymous only for a request that presents no token: kube-apiserver puts the anonymous
        # authenticator behind union.NewFailOnError, so a bad bearer token is a 401 even on /healthz. A Basic
        # header is no credential at all since basic auth was removed (1.19).
        if _bearer(request) is None and request.path in ANONYMOUS_PATHS:
            return ANONYMOUS
        return None

    # ---- kubeconfig ----
    def kubeconfig_cluster(self, url: str, server_name: str | None = None) -> dict[str, Any]:
        cluster: dict[str, Any] = {"server": url}
        if self.ca is not None:
            cluster["certificate-authority-data"] = base64.b64encode(self.ca.cert_pem).decode()
        if server_name:
            cluster["tls-server-name"] = server_name
        return cluster

    def kubeconfig_user(self, kubeconfig_path: Path, who: tokens.Identity | None = None) -> dict[str, Any]:
        """The credentials of the admin, or of who (one of self.users)."""
        if self.auth is None:
            return {"token": USER}
        if self.auth == "token":
            if who is not None:
                return {"token": next(t for t, u in self.user_tokens.items() if u == who)}
            return {"token": self.static_token}
        if self.auth == "cert":
            assert self.ca is not None
            pair = self.ca.client_pair(who.user, who.groups) if who else self.ca.client_pair(USER, GROUPS)
            return {"client-certificate-data": base64.b64encode(pair.cert_pem).decode(),
                    "client-key-data": base64.b64encode(pair.key_pem).decode()}
        state = self._write_plugin_state(kubeconfig_path, who)
        stanza: dict[str, Any] = {"apiVersion": self.exec_api_version, "command": sys.executable,
                                  "args": ["-m", "svctui.sim.credential", str(state)], "provideClusterInfo": False}
        if self.exec_api_version.endswith("/v1"):
            stanza["interactiveMode"] = "Never"  # required in v1
        return {"exec": stanza}

    def _write_plugin_state(self, kubeconfig_path: Path, who: tokens.Identity | None = None) -> Path:
        suffix = f".{who.user}" if who else ""
        state_path = kubeconfig_path.with_name(kubeconfig_path.name + suffix + ".credential.json")
        log_path = kubeconfig_path.with_name(kubeconfig_path.name + suffix + ".credential.log")
        user, groups = (who.user, list(who.groups)) if who else (USER, list(GROUPS))
        state: dict[str, Any] = {"apiVersion": self.exec_api_version, "user": user, "groups": groups,
                                 "ttl": self.token_ttl, "credential": self.exec_credential, "log": str(log_path)}
        if self.exec_credential == "cert":
            assert self.ca is not None
            state["ca_cert"] = self.ca.pair.cert_pem.decode()
            state["ca_key"] = self.ca.pair.key_pem.decode()
        else:
            state["secret"] = self.secret.hex()
        tmp = state_path.with_name(state_path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(state, f)
        os.chmod(tmp, 0o600)  # O_CREAT's mode is ignored when tmp already existed
        tmp.replace(state_path)
        # A new kubeconfig starts a new count: runs logged for an earlier sim at this path are not ours.
        log_path.unlink(missing_ok=True)
        if log_path not in self.log_paths:
            self.log_paths.append(log_path)
        return state_path

    def credential_runs(self) -> int:
        runs = 0
        for p in self.log_paths:
            try:
                runs += sum(1 for line in p.read_text().splitlines() if line.strip())
            except FileNotFoundError:
                pass
        return runs


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    for proto in request.headers.get("Sec-WebSocket-Protocol", "").split(","):
        proto = proto.strip()
        if proto.startswith(WS_BEARER_PREFIX):
            try:
                return base64.urlsafe_b64decode(proto[len(WS_BEARER_PREFIX):] + "==").decode()
            except (ValueError, UnicodeDecodeError):
                return None
    return None


def _identity_from_cert(peer: dict[str, Any]) -> tokens.Identity | None:
    user, groups = None, []
    for rdn in peer.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                user = value
            elif key == "organizationName":
                groups.append(value)
    return tokens.Identity(user, tuple(groups)) if user else None
