"""Debug pods against the sim through the real clients: creation (restricted-compliant), reuse, clear
errors (Pod Security, RBAC, image pull, quota), cleanup (async, sync, idempotent) and leftovers."""

from __future__ import annotations

import asyncio
import signal

import pytest

from svctui.kube.api import ApiError
from svctui.kube.config import load_target
from svctui.kube.debugpod import (
    MANAGED_BY,
    SESSION,
    DebugPodError,
    DebugSession,
    classify,
    install_cleanup_handlers,
    manifest,
)
from svctui.sim import resources as R
from svctui.sim.podsecurity import violations
from svctui.sim.runner import write_kubeconfig


def managed_pods(sim, ns=None):
    return sim.call(lambda c: sorted(
        (p["metadata"]["namespace"], p["metadata"]["name"]) for p in c.store.list(R.PODS, ns)
        if (p["metadata"].get("labels") or {}).get(MANAGED_BY) == "svctui"))


@pytest.fixture
async def target(sim, tmp_path):
    t = await load_target(str(write_kubeconfig(tmp_path / "kubeconfig", sim.url)))
    yield t
    await t.close()


def test_manifest_passes_the_restricted_profile():
    pod = manifest("svctui-debug-x", "x", "busybox:1.36")
    assert violations(pod["spec"], "restricted") == []
    c = pod["spec"]["containers"][0]
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["spec"]["activeDeadlineSeconds"] > 0
    assert pod["metadata"]["labels"] == {MANAGED_BY: "svctui", SESSION: "x", "app.kubernetes.io/name": "svctui-debug"}


async def test_first_use_creates_one_pod_then_reuses_it(sim, target):
    s = DebugSession(target.api, session_id="s1")
    try:
        names = await asyncio.gather(s.pod("default"), s.pod("default"))
        assert names == ["svctui-debug-s1", "svctui-debug-s1"]
        assert managed_pods(sim) == [("default", "svctui-debug-s1")]
        uid = sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-s1")["metadata"]["uid"])
        r = await s.exec("default", ["echo", "hello"])
        assert (r.exit_code, r.stdout) == (0, b"hello\n")
        r = await s.exec("default", ["hostname"])
        assert r.stdout == b"svctui-debug-s1\n"
        assert sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-s1")["metadata"]["uid"]) == uid
        await s.pod("kube-public")
        assert managed_pods(sim) == [("default", "svctui-debug-s1"), ("kube-public", "svctui-debug-s1")]
    finally:
        deleted = await s.close()
    assert sorted(deleted) == ["default/svctui-debug-s1", "kube-public/svctui-debug-s1"]
    assert managed_pods(sim) == []
    assert await s.cleanup() == [], "cleanup is idempotent"


async def test_a_deleted_warm_pod_is_replaced(sim, target):
    s = DebugSession(target.api, session_id="s2")
    try:
        await s.pod("default")
        await s._delete("default", "svctui-debug-s2")  # as a colleague's `kubectl delete` would
        for _ in range(100):
            if not managed_pods(sim):
                break
            await asyncio.sleep(0.02)
        r = await s.exec("default", ["echo", "again"])
        assert r.stdout == b"again\n"
    finally:
        await s.close()


async def test_pod_security_denial_names_the_rules(sim, target):
    sim.call(lambda c: c.apply_objects([{"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "locked", "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}]))
    ok = DebugSession(target.api, session_id="ok")
    try:
        assert await ok.pod("locked") == "svctui-debug-ok", "the compliant debug pod is admitted"
    finally:
        await ok.close()
    # A non-compliant pod (what `kubectl run` makes) is refused with the apiserver's text.
    from svctui.kube.debugpod import call
    with pytest.raises(ApiError) as info:
        await call(target.api, "POST", "/api/v1/namespaces/locked/pods", body={
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})
    assert info.value.code == 403
    assert info.value.message == (
        'pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
        '(container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities '
        '(container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or '
        'container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must '
        'set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")')
    err = classify(info.value, "locked")
    assert err.kind == "pod-security"
    assert "Pod Security admission in namespace locked (restricted:latest)" in str(err)
    assert "allowPrivilegeEscalation != false" in str(err)


async def test_rbac_denial_is_said_plainly(sim, target):
    sim.call(lambda c: c.server.forbid.add(("create", "pods", "default")))
    s = DebugSession(target.api, session_id="rb")
    with pytest.raises(DebugPodError) as info:
        await s.pod("default")
    assert info.value.kind == "rbac"
    assert str(info.value).startswith("RBAC: not allowed to create pods in namespace default")
    assert s.pods == {}
    await s.close()


def test_quota_denial_is_recognised():
    err = ApiError(403, "Forbidden", 'pods "svctui-debug-q" is forbidden: exceeded quota: compute, requested: '
                   "pods=1, used: pods=5, limited: pods=5")
    out = classify(err, "team")
    assert out.kind == "quota" and "ResourceQuota in namespace team" in str(out)


async def test_image_that_cannot_be_pulled_fails_fast_and_is_removed(sim, target):
    s = DebugSession(target.api, image="registry.invalid/nothing:1", pull_policy="Never", session_id="img")
    with pytest.raises(DebugPodError) as info:
        await s.pod("default")
    assert info.value.kind == "image"
    assert 'cannot pull image "registry.invalid/nothing:1" (ErrImageNeverPull' in str(info.value)
    for _ in range(100):
        if not managed_pods(sim):
            break
        await asyncio.sleep(0.02)
    assert managed_pods(sim) == []
    await s.close()


async def test_cleanup_sync_works_without_an_event_loop(sim, target):
    s = DebugSession(target.api, session_id="sync")
    await s.pod("default")
    # What a SIGTERM handler does: the blocking client, from a thread with no loop running in it.
    deleted = await asyncio.to_thread(s.cleanup_sync)
    assert deleted == ["default/svctui-debug-sync"]
    assert managed_pods(sim) == []
    assert s.cleanup_sync() == [] and await s.cleanup() == []
    await s.close()


async def test_signal_handler_cleans_up_then_exits(sim, target):
    s = DebugSession(target.api, session_id="sig")
    await s.pod("default")
    uninstall = install_cleanup_handlers(s, signals=(signal.SIGHUP,), on_exit=False)
    try:
        with pytest.raises(SystemExit) as info:
            signal.raise_signal(signal.SIGHUP)
        assert info.value.code == 128 + signal.SIGHUP
    finally:
        uninstall()
    assert managed_pods(sim) == []
    await s.close()


async def test_leftovers_of_earlier_sessions(sim, target):
    old = DebugSession(target.api, session_id="old")
    await old.pod("default")
    old.pods.clear()  # the earlier run died without cleaning up
    await old.close()
    s = DebugSession(target.api, session_id="new")
    try:
        await s.pod("default")
        left = await s.leftovers()
        assert [(x.namespace, x.name, x.session) for x in left] == [("default", "svctui-debug-old", "old")]
        assert await s.leftovers(["default"]) == left
        assert await s.remove_leftovers() == ["default/svctui-debug-old"]
        for _ in range(100):
            if managed_pods(sim) == [("default", "svctui-debug-new")]:
                break
            await asyncio.sleep(0.02)
        assert managed_pods(sim) == [("default", "svctui-debug-new")], "its own pod stays"
    finally:
        await s.close()
