"""Finding the cluster: kubeconfig (kubectl's rules) or the pod's service account.

kubectl's precedence: `--kubeconfig` (one file, must exist) > $KUBECONFIG (a list, merged; missing
files ignored; for each name the first file that defines it wins, current-context included; relative
paths resolve against the file that names them: see kubeconfig.py) > ~/.kube/config > in-cluster
config when running in a pod. kubernetes_asyncio's loader is not used: it lets the *last* file's
current-context win, resolves a user's paths against the cluster's file, runs an exec plugin once and
never again, and keeps no client certificate a plugin returns. The user's kubeconfig is written only as
kubectl writes it: an oidc auth-provider's refreshed id-token and refresh-token (oidc.py).

Errors are `KubeConfigError` with text meant for the user, not a traceback.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes_asyncio.client import Configuration
from kubernetes_asyncio.config import ConfigException
from kubernetes_asyncio.config.incluster_config import (
    SERVICE_CERT_FILENAME,
    SERVICE_HOST_ENV_NAME,
    SERVICE_TOKEN_FILENAME,
    load_incluster_config,
)
from kubernetes_asyncio.config.kube_config import ENV_KUBECONFIG_PATH_SEPARATOR

from .api import ApiError
from .credentials import CredentialError, Credentials, _TempFiles
from .kubeconfig import KubeConfigFileError, merge, select
from .transport import KubeApiClient, Transport, TransportError

SERVICE_NAMESPACE_FILENAME = str(Path(SERVICE_TOKEN_FILENAME).with_name("namespace"))
IN_CLUSTER = "in-cluster"


class KubeConfigError(Exception):
    """Why svctui cannot reach a cluster, phrased for the person at the terminal."""


@dataclass
class KubeTarget:
    api: KubeApiClient
    context: str  # the context name, or "in-cluster"
    namespace: str  # the context's namespace (or the override), "default" when unset
    server: str | None  # kubernetes_asyncio's Configuration.host
    source: str  # where the config came from, for messages: file paths or "service account"
    user: str = ""

    async def close(self) -> None:
        await self.api.close()


def kubeconfig_paths(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files kubectl would read, in order, existing ones only."""
    env = os.environ if environ is None else environ
    if explicit:
        p = Path(explicit).expanduser()
        if not p.is_file():
            raise KubeConfigError(f"--kubeconfig {explicit}: no such file")
        return [p]
    if env.get("KUBECONFIG"):
        paths = [Path(s).expanduser() for s in env["KUBECONFIG"].split(ENV_KUBECONFIG_PATH_SEPARATOR) if s]
    else:
        paths = [Path(env.get("HOME") or Path.home()) / ".kube" / "config"]
    return [p for p in paths if p.is_file()]


def _merged_contexts(paths: list[Path]) -> tuple[dict[str, dict[str, Any]], str | None]:
    try:
        merged = merge(paths)
    except KubeConfigFileError as exc:
        raise KubeConfigError(str(exc)) from None
    return merged.contexts, merged.current


def _in_cluster_available(env: Mapping[str, str]) -> bool:
    return bool(env.get(SERVICE_HOST_ENV_NAME)) and Path(SERVICE_TOKEN_FILENAME).is_file()


async def load_target(kubeconfig: str | None = None, context: str | None = None, namespace: str | None = None,
                      environ: dict[str, str] | None = None, authenticate: bool = True) -> KubeTarget:
    """A client for the chosen context, plus its name and effective namespace.

    `namespace` overrides the context's (the CLI's --namespace). With `authenticate` the credential is
    obtained now (an exec plugin runs), so a failing plugin is reported here; without it only checked
    (the plugin is found, not run): the CLI's pre-flight check, so the app's own load is the one run."""
    env = os.environ if environ is None else environ
    paths = kubeconfig_paths(kubeconfig, env)
    if not paths:
        if not kubeconfig and not context and _in_cluster_available(env):
            return await _in_cluster(namespace, env, authenticate)
        looked = env.get("KUBECONFIG") or str(Path(env.get("HOME") or Path.home()) / ".kube" / "config")
        raise KubeConfigError(
            f"no kubeconfig found (looked at {looked}) and not running inside a pod. "
            "Pass --kubeconfig FILE, set KUBECONFIG, or run `svctui sim` for a simulated cluster.")
    source = ENV_KUBECONFIG_PATH_SEPARATOR.join(str(p) for p in paths)
    try:
        merged = merge(paths)
        name = context or merged.current
        if not name:
            raise KubeConfigError(f"no current context in {source}; choose one with --context "
                                  f"({_choices(merged.contexts)})")
        if name not in merged.contexts:
            raise KubeConfigError(f"context {name!r} not found in {source} ({_choices(merged.contexts)})")
        sel = select(merged, name, source)
    except KubeConfigFileError as exc:
        raise KubeConfigError(str(exc)) from None
    files = _TempFiles()
    try:
        cluster = sel.cluster
        server = str(cluster["server"]).rstrip("/")
        ca_file = cluster.get("certificate-authority") or None
        if cluster.get("certificate-authority-data"):
            ca_file = files.write("ca", _b64(cluster["certificate-authority-data"], "certificate-authority-data"))
        verify = not cluster.get("insecure-skip-tls-verify", False)
        transport = Transport.for_cluster(server, ca_file, verify, cluster.get("tls-server-name") or None,
                                          cluster.get("proxy-url") or None)
        creds = Credentials(sel.user, context=name, user_name=sel.user_name, cluster=cluster, files=files,
                            user_file=sel.user_file)
        if creds.exec_command is not None:
            creds.find_plugin()
        if authenticate:
            await creds.current()
        api = _client(transport, creds)
        if authenticate:
            await api.material()  # the TLS context is built now: an unreadable cert is reported here
    except (CredentialError, ApiError) as exc:  # these name the context and user already
        files.close()
        raise KubeConfigError(str(exc)) from None
    except (TransportError, ValueError) as exc:
        files.close()
        raise KubeConfigError(f"context {name!r} in {source}: {exc}") from None
    ns = namespace or sel.namespace or "default"
    return KubeTarget(api, name, str(ns), server, source, sel.user_name)


def _b64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not valid base64") from None


def _client(transport: Transport, creds: Credentials) -> KubeApiClient:
    cfg = Configuration()  # our own, never the process-wide default; it carries no credential
    cfg.host = transport.host
    cfg.ssl_ca_cert = transport.ca_file
    cfg.verify_ssl = transport.verify
    cfg.tls_server_name = transport.server_name
    cfg.proxy = transport.proxy
    cfg.proxy_headers = transport.proxy_headers
    return KubeApiClient(cfg, transport, creds)


def _choices(contexts: dict[str, Any]) -> str:
    if not contexts:
        return "the file defines no contexts"
    return "available: " + ", ".join(sorted(contexts))


async def _in_cluster(namespace: str | None, env: Any, authenticate: bool) -> KubeTarget:
    cfg = Configuration()
    try:
        load_incluster_config(client_configuration=cfg, environ=env)
    except ConfigException as exc:
        raise KubeConfigError(f"in-cluster config: {exc}") from None
    # The projected token rotates (about hourly): a tokenFile credential re-reads it when it changes.
    creds = Credentials({"tokenFile": SERVICE_TOKEN_FILENAME}, context=IN_CLUSTER, user_name="service account")
    transport = Transport.for_cluster(str(cfg.host), SERVICE_CERT_FILENAME, True, None, None)
    api = _client(transport, creds)
    if authenticate:
        try:
            await api.material()
        except Exception as exc:
            await api.close()
            raise KubeConfigError(f"in-cluster config: {exc}") from None
    ns = namespace
    if not ns:
        try:
            ns = Path(SERVICE_NAMESPACE_FILENAME).read_text().strip()
        except OSError:
            ns = None
    return KubeTarget(api, IN_CLUSTER, ns or "default", cfg.host, f"service account ({SERVICE_CERT_FILENAME})",
                      "service account")
