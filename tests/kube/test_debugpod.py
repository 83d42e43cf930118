"""Debug pods against the sim through the real clients: creation (restricted-compliant), reuse, clear
errors (Pod Security, RBAC, image pull, quota), cleanup (async, sync, idempotent) and leftovers."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import pytest

from svctui.kube.api import ApiError
from svctui.kube.config import load_target
from svctui.kube.debugpod import (
    MANAGED_BY,
    SESSION,
    DebugPodError,
    DebugSession,
    call,
    classify,
    install_cleanup_handlers,
    manifest,
)
from svctui.kube.heartbeat import ServerClock, this_process
from svctui.model.podowner import HEARTBEAT, OWNER_HOST, OWNER_PID, Here
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
    assert 0 < pod["spec"]["activeDeadlineSeconds"] <= 24 * 3600


async def test_the_pod_names_its_owner_and_carries_a_heartbeat(sim, target):
    s = DebugSession(target.api, session_id="own")
    try:
        await s.pod("default")
        ann = sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-own")["metadata"]["annotations"])
        here = this_process("own")
        assert (ann[OWNER_HOST], ann[OWNER_PID]) == (here.host, str(here.pid))
        assert ann[HEARTBEAT].endswith("Z")
        spec = sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-own")["spec"])
        assert spec["activeDeadlineSeconds"] == 4 * 3600
    finally:
        await s.close()


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


@pytest.mark.parametrize("image, reason", [("my-debug-tools:v1", "ErrImagePull: rpc error: code = Unknown desc = "
                                                                 "failed to pull and unpack image"),
                                           ("YOUR_REGISTRY/tools:1", "InvalidImageName: Failed to apply default image tag")])
async def test_an_image_the_registry_lacks_is_named_with_the_kubelets_reason(sim, target, image, reason):
    s = DebugSession(target.api, image=image, session_id="img2")
    with pytest.raises(DebugPodError) as info:
        await s.pod("default")
    assert info.value.kind == "image"
    assert f'cannot pull image "{image}" ({reason}' in str(info.value)
    await s.close()


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


def dead_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def dead_owner(session: str) -> Here:
    here = this_process(session)
    return Here(session, here.user, here.host, dead_pid(), here.pidns)


async def wait_until(pred, timeout: float = 10.0, what: str = "condition"):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        v = pred()
        if asyncio.iscoroutine(v):
            v = await v
        if v:
            return v
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_leftovers_are_pods_whose_owner_is_gone(sim, target):
    old = DebugSession(target.api, here=dead_owner("old"))  # an earlier run on this host, its process ended
    await old.pod("default")
    old.pods.clear()  # ... without cleaning up
    await old.close()
    live = DebugSession(target.api, session_id="live")  # another session of this process: alive
    await live.pod("default")
    s = DebugSession(target.api, session_id="new")
    try:
        await s.pod("default")
        left = await s.leftovers()
        assert [(x.namespace, x.name, x.session) for x in left] == [("default", "svctui-debug-old", "old")]
        assert left[0].why.startswith(f"pid {left[0].pid} is not running on this host, heartbeat ")
        assert left[0].host == this_process("x").host and left[0].owner.endswith(f" pid {left[0].pid}")
        gone, alive = await s.survey()
        assert [x.name for x in gone] == ["svctui-debug-old"] and [x.session for x in alive] == ["live"]
        assert alive[0].why.startswith("heartbeat ") and alive[0].heartbeat_age is not None
        assert [x.name for x in await s.leftovers(["default"])] == ["svctui-debug-old"]
        removal = await s.remove_leftovers()
        assert (removal.removed, removal.kept) == (["default/svctui-debug-old"], [])
        await wait_until(lambda: managed_pods(sim) == [("default", "svctui-debug-live"), ("default", "svctui-debug-new")],
                         what="only the old pod deleted")
        # Handed the live session's pod by hand (as a prompt shown earlier might), it still is not deleted.
        live_item = alive[0]
        removal = await s.remove_leftovers([live_item])
        assert (removal.removed, removal.kept) == ([], ["default/svctui-debug-live"])
        assert ("default", "svctui-debug-live") in managed_pods(sim)
    finally:
        await s.close()
        await live.close()


async def test_a_stale_heartbeat_makes_a_leftover_and_a_renewal_saves_it(sim, target):
    a = DebugSession(target.api, session_id="aaaa", heartbeat_interval=0.1)
    b = DebugSession(target.api, session_id="bbbb", stale_after=1.5)
    try:
        await a.pod("default")
        for _ in range(3):
            await asyncio.sleep(0.5)
            assert await b.leftovers() == [], "a session that renews its heartbeat is never a leftover"
        assert a.heartbeat.renewals >= 10
        a.heartbeat.stop()  # a's process hangs (or its laptop sleeps): no renewal any more
        left = await wait_until(b.leftovers, timeout=5, what="a's pod offered")
        assert [x.name for x in left] == ["svctui-debug-aaaa"]
        assert left[0].why.startswith("heartbeat ") and left[0].heartbeat_age > 1.5
        # a wakes up before b's operator answers: b judges again and keeps it.
        await a.heartbeat.beat()
        removal = await b.remove_leftovers(left)
        assert (removal.removed, removal.kept) == ([], ["default/svctui-debug-aaaa"])
        assert managed_pods(sim) == [("default", "svctui-debug-aaaa")]
        left = await wait_until(b.leftovers, timeout=5, what="stale again")
        removal = await b.remove_leftovers(left)
        assert removal.removed == ["default/svctui-debug-aaaa"]
    finally:
        await a.close()
        await b.close()


async def test_delete_is_conditional_on_the_version_judged(sim, target):
    """A renewal between the judgement and the delete makes the delete fail (409), never win."""
    a = DebugSession(target.api, session_id="cccc")
    try:
        await a.pod("default")
        pod = await call(target.api, "GET", "/api/v1/namespaces/default/pods/svctui-debug-cccc")
        old_rv = pod["metadata"]["resourceVersion"]
        await a.heartbeat.beat()
        with pytest.raises(ApiError) as info:
            await call(target.api, "DELETE", "/api/v1/namespaces/default/pods/svctui-debug-cccc",
                       body={"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"resourceVersion": old_rv}})
        assert info.value.code == 409
        assert managed_pods(sim) == [("default", "svctui-debug-cccc")]
    finally:
        await a.close()


OWNER_SCRIPT = """
import asyncio, sys
from svctui.kube.config import load_target
from svctui.kube.debugpod import DebugSession

async def main():
    t = await load_target(sys.argv[1])
    s = DebugSession(t.api, session_id="other", heartbeat_interval=0.2)
    await s.pod("default")
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_another_process_is_left_alone_until_killed(sim, tmp_path):
    """Two svctui processes on one host: the second never offers the first's pod until the first is dead."""
    cfg = write_kubeconfig(tmp_path / "kubeconfig", sim.url)
    proc = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, str(cfg)], stdout=subprocess.PIPE, text=True)
    t = await load_target(str(cfg))
    s = DebugSession(t.api, session_id="mine")
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 60)
        assert line.strip() == "ready"
        gone, alive = await s.survey()
        assert gone == [] and [(x.session, x.pid) for x in alive] == [("other", proc.pid)]
        assert (await s.remove_leftovers()).removed == []
        assert managed_pods(sim) == [("default", "svctui-debug-other")]
        proc.kill()  # kill -9: no cleanup ran
        proc.wait()
        left = await s.leftovers()
        assert [(x.name, x.why.split(",")[0]) for x in left] == \
            [("svctui-debug-other", f"pid {proc.pid} is not running on this host")]
        assert (await s.remove_leftovers(left)).removed == ["default/svctui-debug-other"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        await s.close()
        await t.close()


async def test_a_failing_heartbeat_is_said_once_and_never_raises(sim, target):
    said: list[str | None] = []
    s = DebugSession(target.api, session_id="hb", heartbeat_interval=0.05, on_heartbeat=said.append)
    try:
        await s.pod("default")
        sim.call(lambda c: c.server.forbid.add(("patch", "pods", "default")))
        await wait_until(lambda: said, what="a report")
        await asyncio.sleep(0.5)  # ten more failed renewals
        assert len(said) == 1 and said[0].startswith("default/svctui-debug-hb: 403 ")
        assert s.heartbeat.running, "the loop goes on"
        sim.call(lambda c: c.server.forbid.discard(("patch", "pods", "default")))
        await wait_until(lambda: len(said) == 2, what="renewed again")
        assert said[1] is None
        r = await s.exec("default", ["echo", "still works"])
        assert r.stdout == b"still works\n"
    finally:
        await s.close()
    assert not s.heartbeat.running


async def test_a_pod_deleted_by_someone_else_stops_its_heartbeat_quietly(sim, target):
    said: list[str | None] = []
    s = DebugSession(target.api, session_id="gone", heartbeat_interval=0.05, on_heartbeat=said.append)
    try:
        await s.pod("default")
        await call(target.api, "DELETE", "/api/v1/namespaces/default/pods/svctui-debug-gone",
                   query=[("gracePeriodSeconds", "0")])
        await wait_until(lambda: not s.has_pod("default"), what="the session notices")
        assert said == []
    finally:
        await s.close()


def test_server_clock_follows_the_date_header():
    c = ServerClock()
    assert c.saw("Fri, 04 Dec 2026 01:00:00 GMT", 1_796_346_000.0 - 600, 1_796_346_000.0 - 600) is not None
    assert abs(c.offset - 600) < 1e-6, "ten minutes behind the server"
    c.saw("Fri, 04 Dec 2026 01:00:01 GMT", 1_796_346_000.0 - 600, 1_796_346_000.0 - 600)
    assert abs(c.offset - 600) < 1e-6, "a second of rounding does not move it"
    assert c.saw(None, 0, 0) is None and c.saw("not a date", 0, 0) is None


async def test_a_pod_past_its_deadline_is_replaced_on_next_use(sim, target):
    """The sim's kubelet fails the pod at activeDeadlineSeconds; the session's next command gets a fresh one."""
    s = DebugSession(target.api, session_id="dl", deadline=2)
    try:
        await s.pod("default")
        first = sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-dl"))
        assert first["spec"]["activeDeadlineSeconds"] == 2
        r = await s.exec("default", ["echo", "before"])
        assert r.stdout == b"before\n"

        def status():
            return sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-dl")["status"])
        await wait_until(lambda: status().get("reason") == "DeadlineExceeded", timeout=10, what="deadline")
        assert status()["phase"] == "Failed"
        await wait_until(lambda: "terminated" in status()["containerStatuses"][0]["state"], what="container killed")
        progress: list[str] = []
        r = await s.exec("default", ["echo", "after"], on_progress=progress.append)
        assert r.stdout == b"after\n"
        uid = sim.call(lambda c: c.store.get(R.PODS, "default", "svctui-debug-dl")["metadata"]["uid"])
        assert uid != first["metadata"]["uid"]
        assert any("ended (DeadlineExceeded): replacing it" in p for p in progress)
    finally:
        await s.close()


async def test_heartbeats_are_on_the_servers_clock(sim, target):
    """A's clock is 10 minutes behind B's and the API server's: A's heartbeats still look fresh to B."""
    behind = ServerClock(local=lambda: time.time() - 600)
    a = DebugSession(target.api, session_id="late", heartbeat_interval=0.2, clock=behind)
    b = DebugSession(target.api, session_id="b", stale_after=2.0)
    try:
        await a.pod("default")
        assert 598 < behind.offset < 602, "A learnt the server's time from its Date header"
        gone, alive = await b.survey()
        assert gone == [] and [x.session for x in alive] == ["late"]
        assert abs(alive[0].heartbeat_age) < 2.0
        await asyncio.sleep(0.5)
        assert await b.leftovers() == []
    finally:
        await a.close()
        await b.close()
