"""The contexts a kubeconfig offers, for the context switcher (kubectl's merge rules, see config.py)."""

from __future__ import annotations

import asyncio

from kubernetes_asyncio.client import ApiClient

from . import namespaces
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
        names, _ = await asyncio.wait_for(namespaces.list_namespaces(api, timeout), timeout)
    except Exception:  # forbidden or unreachable: the switcher falls back to what the model knows
        return []
    return names
