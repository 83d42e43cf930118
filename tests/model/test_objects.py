import sys
import tracemalloc

from svctui.model.cluster import ClusterModel
from svctui.model.objects import Endpoint, freeze_labels
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

from .build import ep, pod, slice_, svc


def test_nil_condition_rules():
    e = Endpoint(("10.0.0.1",))
    assert (e.is_ready, e.is_serving, e.is_terminating) == (True, True, False)
    e = Endpoint(("10.0.0.1",), ready=False)
    assert (e.is_ready, e.is_serving, e.is_terminating) == (False, False, False)  # nil serving = ready
    e = Endpoint(("10.0.0.1",), ready=False, serving=True, terminating=True)
    assert (e.is_ready, e.is_serving, e.is_terminating) == (False, True, True)


def test_objects_are_hashable_and_compare_by_value():
    a, b = svc(selector={"b": "2", "a": "1"}), svc(selector={"a": "1", "b": "2"})
    assert a == b and hash(a) == hash(b)
    assert a.selector == (("a", "1"), ("b", "2"))
    assert svc(no_selector=True).selector is None and not svc(no_selector=True).has_selector
    assert svc(selector={}).selector == () and not svc(selector={}).has_selector
    s = slice_("web-1", eps=[ep("10.0.0.1", "p1")])
    assert hash(s) == hash(slice_("web-1", eps=[ep("10.0.0.1", "p1")]))
    assert len({pod("p1", "10.0.0.1"), pod("p1", "10.0.0.1")}) == 1
    assert freeze_labels(None) == () and freeze_labels([("b", "1"), ("a", "2")]) == (("a", "2"), ("b", "1"))


def _cluster(n_services: int, per_service: int):
    """Realistic distinct strings (as a JSON parser would give: not interned, not shared)."""
    services, slices, pods = [], [], []
    for s in range(n_services):
        name = f"svc-{s:05d}"
        services.append(svc(name, ip=f"10.96.{s // 250}.{s % 250}"))
        eps = []
        for i in range(per_service):
            n = s * per_service + i
            ip = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
            pname = f"{name}-deployment-7c5b8f4d9-{n:06x}"
            uid = f"{n:08x}-1c4e-4f7a-9b2d-{n:012x}"
            node = f"worker-{n % 100:03d}"
            eps.append(Endpoint((ip,), True, True, False, None, node, "zone-a", "Pod", pname, uid, "default"))
            pods.append(pod(pname, ip, uid=uid, labels={"app": name, "pod-template-hash": "7c5b8f4d9"}))
        slices.append(slice_(f"{name}-x7k2q", name, eps))
    return services, slices, pods


def test_memory_for_100k_endpoints():
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    services, slices, pods = _cluster(1000, 100)
    objs, _ = tracemalloc.get_traced_memory()
    model = ClusterModel()
    model.replace_all(SERVICE, services, 0.0)
    model.replace_all(ENDPOINTSLICE, slices, 0.0)
    total, _ = tracemalloc.get_traced_memory()
    model.replace_all(POD, pods, 0.0)
    with_pods, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mb = 1024 * 1024
    n_eps = sum(len(s.endpoints) for s in slices)
    print(f"\nmodel memory, {n_eps} endpoints / {len(pods)} pods / {len(services)} services: "
          f"objects {(objs - base) / mb:.1f} MB ({(objs - base) / (n_eps + len(pods)):.0f} B per endpoint+pod), "
          f"+ store/topology/ledger for services and slices {(total - objs) / mb:.1f} MB, "
          f"+ pods indexed {(with_pods - total) / mb:.1f} MB; total {(with_pods - base) / mb:.1f} MB",
          file=sys.stderr)
    assert model.topology.view(("default", "svc-00999")).counts.ready == 100
    # A sanity bound far above the measured figure, only to catch a blow-up (e.g. per-row copies).
    assert with_pods - base < 400 * mb
