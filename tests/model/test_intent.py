"""Desired counts from workloads (spec.replicas via ownerReferences), and the stopwatch that uses them:
a scale is "scaling a→b", never a recovery; a loss below what the Service had is."""

from svctui.model.churn import RECOVERED
from svctui.model.cluster import ClusterModel
from svctui.model.intent import desired
from svctui.model.objects import Workload
from svctui.model.store import (
    ADDED,
    DELETED,
    DEPLOYMENT,
    ENDPOINTSLICE,
    MODIFIED,
    POD,
    REPLICASET,
    SERVICE,
    STATEFULSET,
)

from .build import ep, pod, slice_, svc, terminating

WEB = ("default", "web")
IPS = [f"10.0.0.{i}" for i in range(1, 10)]


def deploy(replicas: int, rv: str = "1") -> Workload:
    return Workload("default", "web", DEPLOYMENT, "uid-deploy-web", rv, replicas)


def rs(name: str = "web-abc", replicas: int = 3, rv: str = "1", owner: str | None = "web") -> Workload:
    return Workload("default", name, REPLICASET, f"uid-rs-{name}", rv, replicas,
                    DEPLOYMENT if owner else None, owner)


def wpod(i: int, *, ready: bool = True, deleting: bool = False, rv: str = "", owner: str = "web-abc",
         kind: str = "ReplicaSet"):
    return pod(f"web-{i}", IPS[i], ready=ready, deleting=deleting, rv=rv, owner_kind=kind, owner_name=owner)


def eps(*ready: int, not_ready: tuple[int, ...] = (), gone: tuple[int, ...] = ()):
    return ([ep(IPS[i], f"web-{i}") for i in ready] + [ep(IPS[i], f"web-{i}", ready=False) for i in not_ready]
            + [terminating(IPS[i], f"web-{i}") for i in gone])


def put(m, now, endpoints, rv):
    m.apply(ENDPOINTSLICE, MODIFIED, slice_("web-x", eps=endpoints, rv=rv), now)


def started(workloads: bool = True) -> ClusterModel:
    m = ClusterModel()
    m.replace_all(SERVICE, [svc()], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-x", eps=eps(0, 1, 2), rv="1")], 0.0)
    m.replace_all(POD, [wpod(0), wpod(1), wpod(2)], 0.0)
    if workloads:
        m.replace_all(DEPLOYMENT, [deploy(3)], 0.0)
        m.replace_all(REPLICASET, [rs()], 0.0)
        m.replace_all(STATEFULSET, [], 0.0)
    return m


def test_desired_follows_owner_references_to_the_deployment():
    m = started()
    assert desired(m, WEB) == 3
    # A rollout: the old and the new ReplicaSet both lead to the Deployment, which counts once.
    m.apply(REPLICASET, ADDED, rs("web-new", 1), 1.0)
    m.apply(POD, ADDED, wpod(3, owner="web-new"), 1.0)
    assert desired(m, WEB) == 3
    # A Deployment-less ReplicaSet counts its own replicas; a StatefulSet its own.
    m.apply(REPLICASET, ADDED, rs("solo", 2, owner=None), 1.0)
    m.apply(POD, ADDED, wpod(4, owner="solo"), 1.0)
    assert desired(m, WEB) == 5
    m.apply(STATEFULSET, ADDED, Workload("default", "db", STATEFULSET, "uid-sts", "1", 4), 1.0)
    m.apply(POD, ADDED, wpod(5, owner="db", kind="StatefulSet"), 1.0)
    assert desired(m, WEB) == 9


def test_desired_is_unknown_without_a_readable_workload():
    assert desired(started(workloads=False), WEB) is None  # not listed (forbidden, or not in yet)
    m = started()
    m.apply(POD, ADDED, pod("bare", IPS[5]), 1.0)  # a selected pod without a controller
    assert desired(m, WEB) is None
    m = started()
    m.apply(DEPLOYMENT, DELETED, deploy(3), 1.0)
    assert desired(m, WEB) is None
    m = started()
    m.apply(POD, ADDED, wpod(5, owner="ds", kind="DaemonSet"), 1.0)
    assert desired(m, WEB) is None


def test_scaling_up_and_down_never_reads_as_recovery():
    m = started()
    sw = m.ledger.stopwatch(WEB)
    assert m.ledger.steady(WEB) == 3 and m.ledger.status(WEB, 0.0) is None
    # kubectl scale --replicas=5: the Deployment first, then the new pods, then their endpoints.
    ch = m.apply(DEPLOYMENT, MODIFIED, deploy(5, "2"), 10.0)
    assert WEB in ch.services, "a change of spec.replicas repaints the Service"
    assert m.ledger.status(WEB, 10.0) == "scaling 3→5 (3/5 ready)"
    m.apply(POD, ADDED, wpod(3, ready=False), 10.1)
    m.apply(POD, ADDED, wpod(4, ready=False), 10.1)
    put(m, 10.2, eps(0, 1, 2, not_ready=(3, 4)), "2")
    put(m, 11.0, eps(0, 1, 2, 3, not_ready=(4,)), "3")
    assert m.ledger.status(WEB, 11.0) == "scaling 3→5 (4/5 ready)"
    put(m, 11.7, eps(0, 1, 2, 3, 4), "4")
    assert m.ledger.status(WEB, 12.0) == "scaled 3→5 in 1.7s (5/5 ready)"
    assert sw.episode is None and sw.last is None and m.ledger.steady(WEB) == 5
    # --replicas=2: the bar drops with the intent, so the terminating pods are no loss.
    m.apply(DEPLOYMENT, MODIFIED, deploy(2, "3"), 20.0)
    assert m.ledger.steady(WEB) == 2
    assert m.ledger.status(WEB, 20.0) == "scaling 5→2 (5/2 ready)"
    for i in (2, 3, 4):
        m.apply(POD, MODIFIED, wpod(i, deleting=True, rv="2"), 20.1)
    put(m, 20.1, eps(0, 1, gone=(2, 3, 4)), "5")
    assert m.ledger.status(WEB, 20.2) == "scaled 5→2 in 0.1s (2/2 ready)"
    put(m, 21.0, eps(0, 1), "6")
    assert m.tick(40.0) == set() and sw.episode is None and sw.last is None
    # --replicas=3: no "rescaled to 2", no "3/2 ready".
    m.apply(DEPLOYMENT, MODIFIED, deploy(3, "4"), 30.0)
    assert m.ledger.status(WEB, 30.0) == "scaling 2→3 (2/3 ready)"
    m.apply(POD, ADDED, wpod(5, ready=False), 30.1)
    put(m, 31.0, eps(0, 1, 5), "7")
    assert m.ledger.status(WEB, 31.0) == "scaled 2→3 in 1.0s (3/3 ready)"
    assert sw.last is None


def test_a_deletion_is_still_a_recovery_with_intent():
    m = started()
    m.apply(POD, MODIFIED, wpod(0, deleting=True, rv="2"), 10.0)
    put(m, 10.0, eps(1, 2, gone=(0,)), "2")
    assert m.ledger.status(WEB, 11.0) == "degraded 1.0s (2/3 ready)"
    m.apply(POD, ADDED, wpod(3, ready=False), 10.1)
    put(m, 12.0, eps(1, 2, not_ready=(3,)), "3")
    put(m, 13.5, eps(1, 2, 3), "4")
    rec = m.ledger.stopwatch(WEB).last
    assert rec.outcome == RECOVERED
    assert m.ledger.status(WEB, 14.0) == "recovered in 3.5s (3/3 ready)"


def test_a_loss_during_a_scale_up_starts_the_stopwatch():
    m = started()
    m.apply(DEPLOYMENT, MODIFIED, deploy(5, "2"), 10.0)
    put(m, 11.0, eps(0, 1, 2, 3), "2")  # 4 of 5: the bar is now 4
    put(m, 12.0, eps(1, 2, 3, not_ready=(0,)), "3")  # a pod that was ready is not
    assert m.ledger.status(WEB, 13.0) == "degraded 1.0s (3/4 ready)"


def test_status_updates_of_a_deployment_touch_nothing():
    m = started()
    ch = m.apply(DEPLOYMENT, MODIFIED, deploy(3, "9"), 5.0)  # status.readyReplicas moved: same spec
    assert ch.services == set()


def test_without_workloads_the_history_rule_stays():
    m = started(workloads=False)
    m.apply(POD, ADDED, wpod(3), 10.0)
    m.apply(POD, ADDED, wpod(4), 10.0)
    put(m, 10.0, eps(0, 1, 2, 3, 4), "2")
    assert m.ledger.status(WEB, 10.0) is None and m.ledger.steady(WEB) == 3
    m.tick(15.0)
    assert m.ledger.steady(WEB) == 5  # settled from what it saw, as before
