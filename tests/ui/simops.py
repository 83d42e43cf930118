"""Things tests do to the simulated cluster from its own loop (via SimThread.call), where timing
is exact: e.g. holding replacement pods not-ready from the moment they exist."""

from __future__ import annotations

import asyncio

import orjson

from svctui.sim import resources as R

READY = "sim.svctui.dev/ready"
MERGE = "application/merge-patch+json"


def pod_names(c, ns: str, app: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.store.list(R.PODS, ns)
                  if (p["metadata"].get("labels") or {}).get("app") == app
                  and not p["metadata"].get("deletionTimestamp"))


def set_ready(c, ns: str, name: str, ready: bool) -> None:
    c.api.patch(R.PODS, ns, name, MERGE, orjson.dumps({"metadata": {"annotations": {READY: str(ready).lower()}}}))


def delete_and_hold(ns: str = "default", app: str = "nginx"):
    """Delete the app's pods; mark each replacement not-ready as soon as the ReplicaSet creates it."""
    async def run(c) -> list[str]:
        old = pod_names(c, ns, app)
        for name in old:
            c.api.delete(R.PODS, ns, name)
        held: list[str] = []
        for _ in range(5000):
            for name in pod_names(c, ns, app):
                if name not in old and name not in held:
                    set_ready(c, ns, name, False)
                    held.append(name)
            if len(held) >= len(old):
                return sorted(held)
            await asyncio.sleep(0.001)
        raise AssertionError(f"replacements for {old} did not appear")
    return run


def release(ns: str, names: list[str]):
    def run(c) -> None:
        for n in names:
            set_ready(c, ns, n, True)
    return run


def all_ready(c) -> bool:
    pods = c.store.list(R.PODS, None)
    return bool(pods) and all(
        any(cond.get("type") == "Ready" and cond.get("status") == "True"
            for cond in (p.get("status") or {}).get("conditions") or ())
        for p in pods)


def wait_all_ready(sim, timeout: float = 30.0) -> None:
    """Until every pod of the scenario is Ready (StatefulSets start theirs one by one), so a test's
    first list is the steady state and no start-up churn lands in its timeline."""
    import time

    deadline = time.monotonic() + timeout
    while not sim.call(all_ready):
        if time.monotonic() > deadline:
            raise AssertionError("the sim's pods did not all become ready")
        time.sleep(0.02)
    sim.call(lambda c: c.settle())
