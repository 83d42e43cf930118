"""Finding the cluster: kubeconfig (kubectl's rules) or the pod's service account.

kubectl's precedence: `--kubeconfig` (one file, must exist) > $KUBECONFIG (a list, merged; missing
files ignored; for each name the first file that defines it wins, current-context included) >
~/.kube/config > in-cluster config when running in a pod. kubernetes_asyncio merges the list itself
but lets the *last* file's current-context win, so the context is resolved here and passed in
explicitly. The user's kubeconfig is never written back (persist_config=False).

Errors are `KubeConfigError` with text meant for the user, not a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from aiohttp.helpers import get_env_proxy_for_url
from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.config import ConfigException
from kubernetes_asyncio.config.incluster_config import (SERVICE_CERT_FILENAME, SERVICE_HOST_ENV_NAME,
                                                        SERVICE_TOKEN_FILENAME, load_incluster_config)
from kubernetes_asyncio.config.kube_config import ENV_KUBECONFIG_PATH_SEPARATOR, load_kube_config
from yarl import URL

SERVICE_NAMESPACE_FILENAME = str(Path(SERVICE_TOKEN_FILENAME).with_name("namespace"))
IN_CLUSTER = "in-cluster"


class KubeConfigError(Exception):
    """Why svctui cannot reach a cluster, phrased for the person at the terminal."""


@dataclass
class KubeTarget:
    api: ApiClient
    context: str  # the context name, or "in-cluster"
    namespace: str  # the context's namespace (or the override), "default" when unset
    server: str
    source: str  # where the config came from, for messages: file paths or "service account"

    async def close(self) -> None:
        await self.api.close()


def kubeconfig_paths(explicit: str | None = None, environ: dict[str, str] | None = None) -> list[Path]:
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


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KubeConfigError(f"cannot read kubeconfig {path}: {exc}") from None
    except UnicodeDecodeError:
        raise KubeConfigError(f"kubeconfig {path} is not a text file (not UTF-8: a binary file?)") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KubeConfigError(f"kubeconfig {path} is not a kubeconfig (expected a mapping)")
    return data


def _merged_contexts(paths: list[Path]) -> tuple[dict[str, dict[str, Any]], str | None]:
    contexts: dict[str, dict[str, Any]] = {}
    current: str | None = None
    for p in paths:
        data = _read(p)
        for c in data.get("contexts") or []:
            if isinstance(c, dict) and isinstance(c.get("name"), str):
                contexts.setdefault(c["name"], c.get("context") or {})
        if current is None and data.get("current-context"):
            current = str(data["current-context"])
    return contexts, current


def _in_cluster_available(env: dict[str, str] | os._Environ) -> bool:
    return bool(env.get(SERVICE_HOST_ENV_NAME)) and Path(SERVICE_TOKEN_FILENAME).is_file()


async def load_target(kubeconfig: str | None = None, context: str | None = None, namespace: str | None = None,
                      environ: dict[str, str] | None = None) -> KubeTarget:
    """An ApiClient for the chosen context, plus its name and effective namespace.

    `namespace` overrides the context's (the CLI's --namespace)."""
    env = os.environ if environ is None else environ
    paths = kubeconfig_paths(kubeconfig, env)
    if not paths:
        if not kubeconfig and not context and _in_cluster_available(env):
            return _in_cluster(namespace, env)
        looked = env.get("KUBECONFIG") or str(Path(env.get("HOME") or Path.home()) / ".kube" / "config")
        raise KubeConfigError(
            f"no kubeconfig found (looked at {looked}) and not running inside a pod. "
            "Pass --kubeconfig FILE, set KUBECONFIG, or run `svctui sim` for a simulated cluster.")
    contexts, current = _merged_contexts(paths)
    source = ENV_KUBECONFIG_PATH_SEPARATOR.join(str(p) for p in paths)
    name = context or current
    if not name:
        raise KubeConfigError(f"no current context in {source}; choose one with --context "
                              f"({_choices(contexts)})")
    if name not in contexts:
        raise KubeConfigError(f"context {name!r} not found in {source} ({_choices(contexts)})")
    cfg = Configuration()  # our own, never the process-wide default
    try:
        await load_kube_config(config_file=source, context=name, client_configuration=cfg, persist_config=False)
    except ConfigException as exc:
        raise KubeConfigError(f"context {name!r} in {source}: {exc}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Malformed entries (a cluster without `server`, an unreadable cert file) surface here.
        raise KubeConfigError(f"context {name!r} in {source} is unusable: {exc}") from None
    except AssertionError:
        # kubernetes_asyncio asserts that the context's cluster entry is not empty (`cluster: {}`).
        raise KubeConfigError(f"context {name!r} in {source} is unusable: its cluster has no server") from None
    if not cfg.host:
        raise KubeConfigError(f"context {name!r} in {source} is unusable: its cluster has no server")
    ns = namespace or (contexts[name] or {}).get("namespace") or "default"
    return KubeTarget(api_client(cfg), name, str(ns), cfg.host, source)


def api_client(cfg: Configuration) -> ApiClient:
    """An ApiClient for cfg whose requests look nothing up on the way out.

    kubernetes_asyncio's HTTP session trusts the environment, so aiohttp reads ~/.netrc and the proxy
    variables in a worker thread for every request: two thread round trips each, which wait for the
    loop's thread to let go of the GIL (at 10,000 Services the first lists took 0.35 s longer for it).
    The proxy the environment names for the API server (HTTPS_PROXY / HTTP_PROXY, NO_PROXY, as aiohttp
    reads them) is resolved here, once; a kubeconfig's proxy-url still wins. ~/.netrc is not read:
    kubectl does not read it either."""
    if not cfg.proxy:
        try:
            proxy, auth = get_env_proxy_for_url(URL(cfg.host))
        except (LookupError, ValueError):
            pass
        else:
            cfg.proxy = str(proxy)
            if auth is not None:
                cfg.proxy_headers = {"Proxy-Authorization": auth.encode()}
    api = ApiClient(configuration=cfg)
    api.rest_client.pool_manager._trust_env = False  # aiohttp's session: ClientSession(trust_env=False)
    return api


def _choices(contexts: dict[str, Any]) -> str:
    if not contexts:
        return "the file defines no contexts"
    return "available: " + ", ".join(sorted(contexts))


def _in_cluster(namespace: str | None, env: Any) -> KubeTarget:
    cfg = Configuration()
    try:
        load_incluster_config(client_configuration=cfg, environ=env)
    except ConfigException as exc:
        raise KubeConfigError(f"in-cluster config: {exc}") from None
    ns = namespace
    if not ns:
        try:
            ns = Path(SERVICE_NAMESPACE_FILENAME).read_text().strip()
        except OSError:
            ns = None
    return KubeTarget(api_client(cfg), IN_CLUSTER, ns or "default", cfg.host,
                      f"service account ({SERVICE_CERT_FILENAME})")
