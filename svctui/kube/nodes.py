"""Every node's name, read once, for the Local traffic-policy check (model/diagnose.policy_nodes):
with it the TUI counts nodes as `svctui doctor` does. Nodes come and go rarely; a watch of their
heartbeat-laden status would cost more than this check is worth."""

from __future__ import annotations

from kubernetes_asyncio.client import ApiClient

from . import api as kapi
from .stream import NETWORK_ERRORS

NODES_PATH = "/api/v1/nodes"


async def node_names(api: ApiClient, timeout: float = 5.0) -> tuple[str, ...] | None:
    """Sorted node names; None when they cannot be listed (forbidden, unreachable, odd answer):
    the check then uses the nodes the namespace's pods run on, in the TUI and the doctor alike."""
    names: list[str] = []
    cont: str | None = None
    try:
        while True:
            q = [("limit", "500")] + ([("continue", cont)] if cont else [])
            body = await kapi.get_json(api, NODES_PATH, q, timeout)
            if type(body) is not dict:
                return None
            for item in body.get("items") or ():
                name = ((item if type(item) is dict else {}).get("metadata") or {}).get("name")
                if type(name) is str and name:
                    names.append(name)
            cont = (body.get("metadata") or {}).get("continue")
            if not cont:
                return tuple(sorted(names))
    except (kapi.ApiError, *NETWORK_ERRORS):
        return None
