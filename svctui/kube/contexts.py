"""The contexts a kubeconfig offers, for the context switcher (kubectl's merge rules, see config.py)."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio.client import ApiClient

from . import api as kapi
from .config import KubeConfigError, _merged_contexts, kubeconfig_paths


def list_contexts(kubeconfig: str | None = None, environ: dict[str, str] | None = None) -> tuple[list[str], str | None]:
    """(context names sorted, current context); ([], None) when there is no kubeconfig (in-cluster)."""
    try:
        paths = kubeconfig_paths(kubeconfig, environ)
    except KubeConfigError:
        return [], None
    if not paths:
        return [], None
    contexts, current = _merged_contexts(paths)
    return sorted(contexts), current


async def list_namespaces(api: ApiClient, timeout: float = 5.0) -> list[str]:
    """Namespace names the user may list (for the namespace switcher); [] when that is forbidden."""
    try:
        body = await asyncio.wait_for(kapi.get_json(api, "/api/v1/namespaces", [("limit", "500")], timeout), timeout)
    except Exception:  # forbidden or unreachable: the switcher falls back to what the model knows
        return []
    names = [((i or {}).get("metadata") or {}).get("name") for i in body.get("items") or ()]
    return sorted(n for n in names if isinstance(n, str) and n)
