"""The credential of one kubeconfig user, kept current the way client-go keeps it.

Every path to the cluster (REST, watches, exec websockets, the sync client's port-forward) asks
`Credentials.current()` for the Authorization value and client-certificate files to send, and calls
`rejected(used)` when the server answered 401 to them:

- exec plugins (client.authentication.k8s.io/v1, v1beta1) run on first use, again once the
  credential's expirationTimestamp has passed (client-go's rule: no skew; kubernetes_asyncio's five
  minutes would re-run a 15-minute EKS token's plugin on every request for its last third), and again
  on a 401 to the credential they produced. Concurrent callers share one run: a burst of streams that
  all got 401 for the same token runs the plugin once.
- tokenFile is re-read when its mtime or size changes (projected service account tokens rotate), and on
  a 401.
- an `oidc` auth-provider's id-token is refreshed with its refresh-token when its JWT exp is near, and
  on a 401 (client-go only does the former; a token the issuer revoked early then costs one request),
  the new tokens written back into the kubeconfig file that defines the user (oidc.py says why).
- a static token or basic auth never changes: a 401 to it is final.

Plugin stdin is not the terminal (svctui owns it) and its stderr is kept for the error message
instead of being drawn over the screen; `interactive` is therefore false.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import oidc

# How a refused credential's message starts: the watch and the header show such a message whole.
REJECTED = "credentials rejected for "

EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
PLUGIN_TIMEOUT = 60.0

# An exec plugin's last answer per (plugin spec, cluster), for the process: the CLI's pre-flight and the
# app's own load build separate Credentials, and the plugin must still run once at start. client-go keeps
# a process-wide cache of exec authenticators for the same reason.
_EXEC_CACHE: dict[str, tuple[bytes, dt.datetime | None]] = {}


class CredentialError(Exception):
    """The credential could not be obtained (plugin missing or failing, unreadable token file)."""


@dataclass(frozen=True, slots=True)
class Material:
    """What one request sends. `generation` identifies it for `rejected`."""

    authorization: str | None
    cert_file: str | None
    key_file: str | None
    generation: int


def _parse_time(value: str) -> dt.datetime:
    v = value.strip()
    if v.endswith("Z") or v.endswith("z"):
        v = v[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(v)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


class _Keep:
    pass


_KEEP = _Keep()  # lives as long as the process: the files' finalizers hang on it


class _TempFiles:
    """PEM files for the TLS layer (ssl and the sync client only take paths), removed at exit or by an
    explicit close. Not when the client closes: the app removes its debug pods with the sync client after
    the API client is closed (and a signal handler may do so at any time), and that needs the CA file."""

    def __init__(self) -> None:
        self._dir: str | None = None
        self._finalizer: weakref.finalize[..., _Keep] | None = None

    def write(self, name: str, data: bytes) -> str:
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="svctui-tls-")
            # finalize() runs at interpreter exit (atexit=True), after the debug pods' atexit cleanup
            # registered later; a garbage-collected holder does not remove them (the sync Configuration
            # built from them may outlive it).
            self._finalizer = weakref.finalize(_KEEP, shutil.rmtree, self._dir, True)
        fd, path = tempfile.mkstemp(dir=self._dir, prefix=name, suffix=".pem")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return path

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()


class Credentials:
    def __init__(self, user: dict[str, Any], *, context: str, user_name: str,
                 cluster: dict[str, Any] | None = None, files: _TempFiles | None = None,
                 now: Callable[[], dt.datetime] | None = None, user_file: Path | None = None):
        self.context = context
        self.user_name = user_name
        self._files = files or _TempFiles()
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._lock = asyncio.Lock()
        self._sync_lock = threading.Lock()
        # The loop's refreshes and the sync client's (threads) must not both spend a refresh token: an
        # issuer that rotates them accepts each once.
        self._oidc_lock = threading.Lock()
        self._generation = 0
        self._auth: str | None = None
        self._cert: str | None = None
        self._key: str | None = None
        self._expiry: dt.datetime | None = None
        self._exec: dict[str, Any] | None = user.get("exec") if isinstance(user.get("exec"), dict) else None
        self._cluster = cluster or {}
        self._token_file: str | None = user.get("tokenFile") or None
        self._token_file_stat: tuple[float, int] | None = None
        self._have_exec_result = False
        self.plugin_runs = 0
        self._last_response: Any = None
        self._oidc: oidc.OidcConfig | None = None
        self._user_file = user_file
        self.oidc_refreshes = 0
        if self._exec is not None:
            self._check_exec_spec(self._exec)
        provider = user.get("auth-provider")
        if isinstance(provider, dict):
            self._oidc = self._check_provider(provider)
            self._auth = f"Bearer {self._oidc.id_token}" if self._oidc.id_token else None
        elif user.get("token"):
            self._auth = f"Bearer {str(user['token']).strip()}"
        elif user.get("username") is not None and user.get("password") is not None:
            pair = f"{user['username']}:{user['password']}".encode()
            self._auth = "Basic " + base64.b64encode(pair).decode()
        self._cert = user.get("client-certificate") or None
        self._key = user.get("client-key") or None
        if user.get("client-certificate-data"):
            self._cert = self._files.write("client-cert", _b64(user["client-certificate-data"], "client-certificate-data"))
        if user.get("client-key-data"):
            self._key = self._files.write("client-key", _b64(user["client-key-data"], "client-key-data"))

    @property
    def who(self) -> str:
        return f"context {self.context} (user {self.user_name or '<none>'})"

    @property
    def refreshable(self) -> bool:
        if self._oidc is not None:
            return bool(self._oidc.refresh_token)
        return self._exec is not None or self._token_file is not None

    @property
    def exec_command(self) -> str | None:
        return str(self._exec.get("command")) if self._exec else None

    def rejected_message(self) -> str:
        return f"{REJECTED}{self.who}: token expired or invalid"

    def close(self) -> None:
        self._files.close()

    # -- the questions every path asks

    async def current(self) -> Material:
        """The material to send now; runs the plugin or re-reads the token file if that is due."""
        if self._due():
            async with self._lock:
                if self._due():  # another caller may have refreshed while we waited
                    await self._refresh()
        return self._material()

    async def rejected(self, used: Material) -> bool:
        """The server answered 401 to `used`. True when there is something new to try."""
        if not self.refreshable:
            return False
        async with self._lock:
            if self._generation != used.generation:
                return True  # someone already replaced it
            before = (self._auth, self._cert, self._key)
            if self._oidc is not None:
                await asyncio.to_thread(self._refresh_oidc, used.generation, True)
            elif self._exec is not None:
                await self._run_plugin()
            else:
                self._token_file_stat = None
                self._read_token_file()
            return (self._auth, self._cert, self._key) != before

    def _material(self) -> Material:
        return Material(self._auth, self._cert, self._key, self._generation)

    def _due(self) -> bool:
        if self._oidc is not None:
            if not self._oidc.id_token:
                return True
            try:
                return not oidc.id_token_valid(self._oidc.id_token, self._now().timestamp())
            except oidc.OidcError as exc:
                raise CredentialError(f"{self.who}: {exc}") from None
        if self._exec is not None:
            return not self._have_exec_result or (self._expiry is not None and self._now() >= self._expiry)
        if self._token_file is not None:
            return self._stat_token_file() != self._token_file_stat
        return False

    def _cache_key(self) -> str:
        return json.dumps([self._exec, self._cluster.get("server")], sort_keys=True, default=str)

    def _take_cached(self) -> bool:
        """The first credential of this Credentials from another one's unexpired plugin answer."""
        if self._exec is None or self._have_exec_result:
            return False
        hit = _EXEC_CACHE.get(self._cache_key())
        if hit is None or (hit[1] is not None and self._now() >= hit[1]):
            return False
        self._accept(str(self._exec["command"]), hit[0])
        return True

    async def _refresh(self) -> None:
        if self._oidc is not None:
            await asyncio.to_thread(self._refresh_oidc, self._generation)
        elif self._exec is not None:
            if not self._take_cached():
                await self._run_plugin()
        else:
            self._read_token_file()

    # -- the oidc auth-provider

    def _check_provider(self, provider: dict[str, Any]) -> oidc.OidcConfig:
        name = str(provider.get("name") or "")
        if name in oidc.REMOVED:
            raise CredentialError(f"{self.who}: {oidc.REMOVED[name]}")
        if name != "oidc":
            raise CredentialError(f"{self.who}: no auth-provider named {name!r} (only oidc is supported, "
                                  "as by kubectl; use an exec credential plugin)")
        try:
            return oidc.OidcConfig.parse(provider.get("config"))
        except oidc.OidcError as exc:
            raise CredentialError(f"{self.who}: {exc}") from None

    def _refresh_oidc(self, seen: int, rejected: bool = False) -> None:
        """New tokens unless someone replaced the ones of generation `seen` meanwhile. Blocking (HTTP, a
        file write): the loop calls it through asyncio.to_thread."""
        cfg = self._oidc
        assert cfg is not None
        with self._oidc_lock:
            if self._generation != seen:
                return
            if self._adopt_stored(cfg, rejected):
                return
            self.oidc_refreshes += 1
            try:
                id_token, refresh_token = oidc.refresh(cfg)
                # client-go persists first and keeps the new tokens only if that worked: a rotated refresh
                # token held only in memory would be lost at exit, and the user locked out of kubectl.
                if self._user_file is not None:
                    oidc.persist(self._user_file, self.user_name, id_token, refresh_token)
            except oidc.OidcError as exc:
                raise CredentialError(f"oidc auth-provider for {self.who}: {exc}") from None
            self._take_oidc(cfg, id_token, refresh_token)

    def _take_oidc(self, cfg: oidc.OidcConfig, id_token: str, refresh_token: str) -> None:
        cfg.id_token, cfg.refresh_token = id_token, refresh_token
        self._auth = f"Bearer {id_token}"
        self._generation += 1

    def _adopt_stored(self, cfg: oidc.OidcConfig, rejected: bool) -> bool:
        """Take the file's tokens if another process (kubectl, a second svctui) refreshed since we read
        it: with a rotating issuer our refresh token is spent. Not when the server rejected the file's
        id-token itself. client-go does not look, and loses that race."""
        if self._user_file is None:
            return False
        stored = oidc.stored(self._user_file, self.user_name)
        if stored is None or stored == (cfg.id_token, cfg.refresh_token):
            return False
        id_token, refresh_token = stored
        try:
            fresh = bool(id_token) and oidc.id_token_valid(id_token, self._now().timestamp())
        except oidc.OidcError:
            fresh = False
        if rejected and id_token == cfg.id_token:
            fresh = False
        if fresh:
            self._take_oidc(cfg, id_token, refresh_token)
            return True
        cfg.refresh_token = refresh_token or cfg.refresh_token  # the newest one is the one the issuer accepts
        return False

    # -- tokenFile

    def _stat_token_file(self) -> tuple[float, int] | None:
        try:
            st = os.stat(self._token_file)  # type: ignore[arg-type]
        except OSError:
            return None
        return (st.st_mtime, st.st_size)

    def _read_token_file(self) -> None:
        path = self._token_file
        assert path is not None
        stat = self._stat_token_file()
        try:
            with open(path, encoding="utf-8") as f:
                token = f.read().strip()
        except OSError as exc:
            if self._auth is not None and self._token_file_stat is not None:
                return  # keep the last good token, as client-go does; the next request tries again
            raise CredentialError(f"{self.who}: cannot read tokenFile {path}: {exc.strerror or exc}") from None
        self._token_file_stat = stat
        new = f"Bearer {token}" if token else None
        if new != self._auth:
            self._auth = new
            self._generation += 1

    # -- exec plugins

    def _check_exec_spec(self, spec: dict[str, Any]) -> None:
        cmd = spec.get("command")
        if not isinstance(cmd, str) or not cmd:
            raise CredentialError(f"{self.who}: the exec credential plugin has no command")
        if spec.get("apiVersion") not in EXEC_API_VERSIONS:
            raise CredentialError(f"{self.who}: exec plugin {cmd}: apiVersion {spec.get('apiVersion')!r} is not "
                                  f"one of {', '.join(EXEC_API_VERSIONS)}")
        if spec.get("interactiveMode") == "Always":
            # client-go refuses too when stdin is not a terminal; svctui's terminal is the screen's.
            raise CredentialError(f"exec credential plugin {cmd!r} for {self.who} needs interactive mode "
                                  "(interactiveMode: Always), which svctui cannot offer: log in with kubectl first")

    def find_plugin(self) -> str:
        """The plugin's executable path; CredentialError naming the command (and its install hint) if none."""
        assert self._exec is not None
        cmd = str(self._exec["command"])
        found = cmd if os.sep in cmd and os.access(cmd, os.X_OK) and os.path.isfile(cmd) else shutil.which(cmd)
        if not found:
            hint = str(self._exec.get("installHint") or "").strip().splitlines()
            extra = f" ({hint[0]})" if hint else ""
            raise CredentialError(f"exec credential plugin {cmd!r} not found for {self.who}{extra}")
        return found

    def _exec_info(self) -> str:
        assert self._exec is not None
        spec: dict[str, Any] = {"interactive": False}
        if self._exec.get("provideClusterInfo"):
            spec["cluster"] = _cluster_info(self._cluster, self._exec)
        return json.dumps({"apiVersion": self._exec["apiVersion"], "kind": "ExecCredential", "spec": spec})

    def _plugin_argv_env(self) -> tuple[list[str], dict[str, str]]:
        assert self._exec is not None
        spec = self._exec
        env = dict(os.environ)
        for item in spec.get("env") or []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                env[item["name"]] = str(item.get("value", ""))
        env["KUBERNETES_EXEC_INFO"] = self._exec_info()
        return [self.find_plugin(), *(str(a) for a in spec.get("args") or [])], env

    def _failed(self, cmd: str, why: str) -> CredentialError:
        return CredentialError(f"exec credential plugin {cmd!r} for {self.who} {why}")

    def _finish(self, cmd: str, code: int | None, out: bytes, err: bytes) -> None:
        if code != 0:
            last = err.decode("utf-8", "replace").strip().splitlines()
            raise self._failed(cmd, f"failed (exit {code})" + (f": {last[-1]}" if last else ""))
        self._accept(cmd, out)

    async def _run_plugin(self) -> None:
        assert self._exec is not None
        cmd = str(self._exec["command"])
        argv, env = self._plugin_argv_env()
        self.plugin_runs += 1
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, env=env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        except OSError as exc:
            raise self._failed(cmd, f"could not start: {exc.strerror or exc}") from None
        try:
            out, err = await asyncio.wait_for(proc.communicate(), PLUGIN_TIMEOUT)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise self._failed(cmd, f"did not answer within {PLUGIN_TIMEOUT:g} s") from None
        self._finish(cmd, proc.returncode, out, err)

    def current_sync(self) -> Material:
        """current() for threads and signal handlers (the sync client's requests: a debug pod's cleanup
        at exit may come long after the last token expired), where the loop cannot be awaited."""
        with self._sync_lock:
            if self._due() and not self._take_cached():
                if self._oidc is not None:
                    self._refresh_oidc(self._generation)
                elif self._exec is None:
                    self._read_token_file()
                else:
                    cmd = str(self._exec["command"])
                    argv, env = self._plugin_argv_env()
                    self.plugin_runs += 1
                    try:
                        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                              timeout=PLUGIN_TIMEOUT)
                    except OSError as exc:
                        raise self._failed(cmd, f"could not start: {exc.strerror or exc}") from None
                    except subprocess.TimeoutExpired:
                        raise self._failed(cmd, f"did not answer within {PLUGIN_TIMEOUT:g} s") from None
                    self._finish(cmd, proc.returncode, proc.stdout, proc.stderr)
            return self._material()

    def _accept(self, cmd: str, out: bytes) -> None:
        def bad(why: str) -> CredentialError:
            return CredentialError(f"exec credential plugin {cmd!r} for {self.who}: {why}")

        try:
            data = json.loads(out)
        except ValueError:
            raise bad("its output is not an ExecCredential (not JSON)") from None
        if not isinstance(data, dict) or data.get("kind") != "ExecCredential":
            raise bad("its output is not an ExecCredential")
        if data.get("apiVersion") != self._exec["apiVersion"]:  # type: ignore[index]
            raise bad(f"it answered {data.get('apiVersion')!r}, the kubeconfig asks for {self._exec['apiVersion']!r}")  # type: ignore[index]
        status = data.get("status")
        if not isinstance(status, dict):
            raise bad("its ExecCredential has no status")
        token = status.get("token")
        cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
        if not token and not (cert and key):
            raise bad("its ExecCredential has neither a token nor clientCertificateData and clientKeyData")
        expiry = None
        if status.get("expirationTimestamp"):
            try:
                expiry = _parse_time(str(status["expirationTimestamp"]))
            except ValueError:
                raise bad(f"expirationTimestamp {status['expirationTimestamp']!r} is not RFC 3339") from None
        self._auth = f"Bearer {token}" if token else None
        if cert and key:
            self._cert = self._files.write("exec-cert", str(cert).encode())
            self._key = self._files.write("exec-key", str(key).encode())
        self._expiry = expiry
        self._have_exec_result = True
        self._generation += 1
        _EXEC_CACHE[self._cache_key()] = (out, expiry)


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=False)
    except ValueError:
        raise CredentialError(f"{what} is not base64") from None


def _cluster_info(cluster: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    # The Cluster object client-go hands to plugins that ask for it (provideClusterInfo).
    info: dict[str, Any] = {"server": cluster.get("server", "")}
    for src, dst in (("tls-server-name", "tls-server-name"), ("insecure-skip-tls-verify", "insecure-skip-tls-verify"),
                     ("certificate-authority-data", "certificate-authority-data"), ("proxy-url", "proxy-url")):
        if src in cluster:
            info[dst] = cluster[src]
    ext = (cluster.get("extensions") or [])
    for e in ext if isinstance(ext, list) else []:
        if isinstance(e, dict) and e.get("name") == "client.authentication.k8s.io/exec":
            info["config"] = e.get("extension")
    return info
