"""Helpers for the exec/DNS/proxy tests: run an emulated command in a pod without kubectl."""

from __future__ import annotations

import time

from svctui.sim import resources as R
from svctui.sim.shell import Input, Output, make_ctx, run_argv


def pods(sim, namespace: str, label: str, value: str) -> list[dict]:
    return sim.call(lambda c: sorted((p for p in c.store.list(R.PODS, namespace)
                                      if (p["metadata"].get("labels") or {}).get(label) == value),
                                     key=lambda p: p["metadata"]["name"]))


def run_in(sim, namespace: str, pod: str, argv: list[str], container: str | None = None, stdin: bytes = b"") -> tuple[int, str, str]:
    """(status, stdout, stderr) of argv exec'd in the pod, as `kubectl exec` would run it."""

    async def go(c):
        p = c.store.get(R.PODS, namespace, pod)
        out, err = Output(), Output()
        name = container or p["spec"]["containers"][0]["name"]
        ctx = make_ctx(c, p, name, Input(stdin), out, err)
        code = await run_argv(ctx, argv)
        return code, out.data.decode(), err.data.decode()

    return sim.call(go)


def wait_ready(sim, namespace: str, label: str, value: str, count: int, timeout: float = 20) -> list[dict]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready = [p for p in pods(sim, namespace, label, value)
                 if any(c.get("type") == "Ready" and c.get("status") == "True" for c in (p.get("status") or {}).get("conditions") or [])]
        if len(ready) >= count:
            return ready
        time.sleep(0.05)
    raise AssertionError(f"{count} ready pods {label}={value} in {namespace} not seen")


def make_pod(sim, namespace: str, name: str, image: str, command: list[str] | None = None, **spec) -> dict:
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": {"run": name}},
            "spec": {"containers": [{"name": name, "image": image, **({"command": command} if command else {})}], **spec}}
    sim.call(lambda c: c.api.create(R.PODS, namespace, body))
    deadline = time.time() + 20
    while time.time() < deadline:
        p = sim.call(lambda c: c.store.get(R.PODS, namespace, name))
        if (p.get("status") or {}).get("phase") == "Running":
            return p
        time.sleep(0.05)
    raise AssertionError(f"pod {name} did not start")
