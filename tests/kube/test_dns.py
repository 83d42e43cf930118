"""The search-path walk through a port-forward to CoreDNS (and, when that is forbidden, a debug pod)."""

from __future__ import annotations

import asyncio

import pytest

from svctui.kube.config import load_target
from svctui.kube.debugpod import MANAGED_BY
from svctui.kube.dns import DnsError, lookup, nslookup_script, parse_nslookup, wanted_types
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig


def dns_ready(sim) -> bool:
    return sim.call(lambda c: any(
        any(x.get("type") == "Ready" and x.get("status") == "True" for x in (p.get("status") or {}).get("conditions") or [])
        for p in c.store.list(R.PODS, "kube-system") if (p["metadata"].get("labels") or {}).get("k8s-app") == "kube-dns"))


async def wait_dns_ready(sim) -> None:
    """A fresh sim settles before CoreDNS's readiness timer fires."""
    for _ in range(500):
        if dns_ready(sim):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("CoreDNS never became ready")


@pytest.fixture
async def api(demo_sim, tmp_path):
    await wait_dns_ready(demo_sim)
    t = await load_target(str(write_kubeconfig(tmp_path / "kubeconfig", demo_sim.url)))
    yield t.api
    await t.close()


def steps(walk):
    return [(s.name, s.rcode) for s in walk.steps]


async def test_wrong_namespace_walks_the_whole_path_to_nxdomain(api):
    walk = await lookup(api, "db", "default")
    assert walk.via.startswith("port-forward to kube-system/coredns-")
    assert steps(walk) == [("db.default.svc.cluster.local", "NXDOMAIN"), ("db.svc.cluster.local", "NXDOMAIN"),
                           ("db.cluster.local", "NXDOMAIN"), ("db", "NXDOMAIN")]
    assert not walk.resolved and walk.fallback is None


async def test_name_dot_namespace_resolves_on_the_second_search_domain(api):
    walk = await lookup(api, "db.demo", "default")
    assert steps(walk) == [("db.demo.default.svc.cluster.local", "NXDOMAIN"), ("db.demo.svc.cluster.local", "NOERROR")]
    assert [r.type for r in walk.final_records] == ["A"]
    assert walk.resolved


async def test_right_namespace_resolves_first_try(api, demo_sim):
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "demo", "db")["spec"]["clusterIP"])
    walk = await lookup(api, "db", "demo")
    assert steps(walk) == [("db.demo.svc.cluster.local", "NOERROR")]
    assert [r.value for r in walk.final_records] == [ip]


async def test_headless_gives_one_a_per_ready_pod(api, demo_sim):
    # The StatefulSet makes its pods one after another: wait until all three have an address.
    demo_sim.call(lambda c: c.wait_pods_ready(30))
    pod_ips = demo_sim.call(lambda c: sorted(p["status"]["podIP"] for p in c.store.list(R.PODS, "default")
                                             if (p["metadata"].get("labels") or {}).get("app") == "database"))
    walk = await lookup(api, "database-headless", "default")
    assert sorted(r.value for r in walk.final_records if r.type == "A") == pod_ips and len(pod_ips) == 3
    one = await lookup(api, "database-1.database-headless", "default")
    assert len(one.final_records) == 1 and one.final_records[0].value in pod_ips


async def test_external_name_is_a_cname_and_is_followed(api):
    walk = await lookup(api, "external-db", "default")
    assert [(r.type, r.value) for r in walk.answer.records] == [("CNAME", "database.example.com")]
    assert [(s.name, s.rcode) for s in walk.chain] == [("database.example.com", "NXDOMAIN")]
    assert not walk.resolved


async def test_srv_for_a_named_port(api):
    assert wanted_types("_postgres._tcp.db.demo") == ("SRV",)
    walk = await lookup(api, "_postgres._tcp.db.demo", "default")
    assert [(r.type, r.value) for r in walk.final_records] == [("SRV", "0 100 5432 db.demo.svc.cluster.local")]


async def test_port_forward_forbidden_falls_back_to_a_debug_pod_and_says_so(api, demo_sim):
    demo_sim.call(lambda c: c.server.forbid.add(("create", "pods/portforward", "kube-system")))
    walk = await lookup(api, "db.demo", "default")
    assert walk.fallback.startswith("port-forward is forbidden (port-forward refused: pods ")
    assert 'cannot create resource "pods/portforward"' in walk.fallback
    assert walk.via.startswith("debug pod default/svctui-debug-")
    assert steps(walk) == [("db.demo.default.svc.cluster.local", "NXDOMAIN"), ("db.demo.svc.cluster.local", "NOERROR")]
    assert walk.resolved
    ext = await lookup(api, "external-db", "default")
    assert [(s.name, s.rcode) for s in ext.chain] == [("database.example.com", "NXDOMAIN")]
    srv = await lookup(api, "_postgres._tcp.db.demo", "default")
    assert [r.value for r in srv.final_records] == ["0 100 5432 db.demo.svc.cluster.local"]
    # the temporary debug pods are gone
    assert demo_sim.call(lambda c: [p for p in c.store.list(R.PODS)
                                    if (p["metadata"].get("labels") or {}).get(MANAGED_BY) == "svctui"]) == []


async def test_listing_kube_system_forbidden_also_falls_back(api, demo_sim):
    demo_sim.call(lambda c: c.server.forbid.add(("list", "pods", "kube-system")))
    walk = await lookup(api, "db", "demo")
    assert walk.fallback.startswith("cannot list pods in kube-system")
    assert walk.resolved


async def test_dns_down_is_an_error_not_a_hang(api, demo_sim):
    async def scale_down(c):
        c.apply_objects([{"apiVersion": "apps/v1", "kind": "Deployment",
                          "metadata": {"name": "coredns", "namespace": "kube-system"}, "spec": {"replicas": 0}}])
    demo_sim.call(scale_down)
    for _ in range(200):
        try:
            await lookup(api, "db", "demo")
        except DnsError as exc:
            assert "no ready CoreDNS pod" in str(exc)
            return
        await asyncio.sleep(0.05)
    raise AssertionError("CoreDNS never went away")


def test_parse_busybox_nslookup():
    out = ("@@svctui a.b.svc.cluster.local A\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
           "Name:\ta.b.svc.cluster.local\nAddress: 10.96.3.4\n\n"
           "@@svctui x.cluster.local A\nServer:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
           "** server can't find x.cluster.local.: NXDOMAIN\n\n")
    got = parse_nslookup(out)
    assert got[("a.b.svc.cluster.local", "A")].records[0].value == "10.96.3.4"
    assert got[("x.cluster.local", "A")].rcode == "NXDOMAIN"
    assert "nslookup -type=srv '_p._tcp.s.n.svc.cluster.local.'" in nslookup_script(["_p._tcp.s.n.svc.cluster.local"], ("SRV",))
