"""`svctui doctor` for an RBAC-limited user: the findings it could compute, a "could not check" line
for what it could not read (never a finding derived from it), and exit 2 unless an error was found.

Against the simulated cluster through the real client; the sim answers 403 as an apiserver does."""

from __future__ import annotations

import json

import pytest

from svctui.model import diagnose as D
from svctui.sim.runner import write_kubeconfig

from .conftest import start_sim
from .test_doctor import FAILURES, pairs, run, wait_json

# What the failures scenario shows without its EndpointSlices: what the Services and pods alone say.
WITHOUT_SLICES = {(s, c) for s, c in FAILURES if c in (
    D.SELECTOR_MATCHES_NO_PODS, D.TARGET_PORT_NOT_EXPOSED, D.NAMED_PORT_UNRESOLVED,
    D.SELECTOR_MATCHES_MULTIPLE_WORKLOADS, D.LB_PENDING)}
SLICES_GAP = {"namespace": "failures", "kind": "EndpointSlice", "reason": "forbidden",
              "message": "not permitted to list EndpointSlices in failures",
              "skipped": "ready endpoints, readiness, selectorless and traffic-policy checks"}


@pytest.fixture(scope="module")
def sim_cfg(tmp_path_factory):
    s = start_sim(["failures"])
    cfg = write_kubeconfig(tmp_path_factory.mktemp("doctor-rbac") / "kubeconfig", s.url)
    yield s, cfg
    s.stop()


@pytest.fixture
def forbid(sim_cfg):
    sim, cfg = sim_cfg

    def set_rules(*rules):
        sim.call(lambda c: (c.server.forbid.clear(), c.server.forbid.update(rules)))
    yield set_rules
    sim.call(lambda c: c.server.forbid.clear())


def test_slices_forbidden_in_the_namespace(sim_cfg, forbid, capsys):
    _, cfg = sim_cfg
    forbid(("list", "endpointslices", "failures"))
    rc, data = wait_json(capsys, cfg, ["-n", "failures"], lambda d: pairs(d) == WITHOUT_SLICES)
    assert rc == 1, "an error it could compute (orders' selector) still fails the run"
    assert data["unchecked"] == [SLICES_GAP]
    rc, out, err = run(capsys, cfg, "-n", "failures")
    assert rc == 1
    assert "[no-ready-endpoints]" not in out and "[selectorless-no-endpoints]" not in out
    assert ("? could not check failures: not permitted to list EndpointSlices in failures: ready endpoints, "
            "readiness, selectorless and traffic-policy checks skipped\n") in out
    assert out.rstrip().endswith("(8 Services checked in namespace failures; incomplete: 1 list not permitted)")


def test_nothing_wrong_in_what_could_be_read_is_not_a_clean_bill(sim_cfg, forbid, capsys):
    _, cfg = sim_cfg
    forbid(("list", "endpointslices", "failures"))
    rc, out, _ = run(capsys, cfg, "svc/healthy", "-n", "failures")
    assert rc == 2
    assert "no problems found (" not in out
    assert out.rstrip().endswith("? no problems found in what could be read "
                                 "(svc/healthy in namespace failures; incomplete: 1 list not permitted)")
    # Without the refusal the same Service is healthy, exit 0 (the test's own control).
    forbid()
    rc, out, _ = run(capsys, cfg, "svc/healthy", "-n", "failures")
    assert rc == 0 and "✔ no problems found (svc/healthy in namespace failures)" in out


def test_services_forbidden_is_not_service_not_found(sim_cfg, forbid, capsys):
    _, cfg = sim_cfg
    forbid(("list", "services", "failures"))
    rc, out, _ = run(capsys, cfg, "svc/orders", "-n", "failures", "-o", "json")
    data = json.loads(out)
    assert rc == 2
    assert data["findings"] == []
    assert [g["message"] for g in data["unchecked"]] == ["not permitted to list Services in failures"]


def test_all_namespaces_falls_back_to_each_namespace(sim_cfg, forbid, capsys):
    _, cfg = sim_cfg
    forbid(("list", "endpointslices", None), ("list", "endpointslices", "failures"))
    rc, data = wait_json(capsys, cfg, ["-A"], lambda d: {p for p in pairs(d) if p[0].startswith("failures/")}
                         == WITHOUT_SLICES)
    assert rc == 1
    assert data["unchecked"] == [SLICES_GAP], "the other namespaces' slices were listed one by one"
    assert not any(f["code"] == D.DNS_UNHEALTHY for f in data["findings"])


def test_all_namespaces_when_namespaces_cannot_be_listed_either(sim_cfg, forbid, capsys):
    _, cfg = sim_cfg
    forbid(("list", "endpointslices", None), ("list", "namespaces", None))
    rc, out, err = run(capsys, cfg, "-A", "-o", "json")
    data = json.loads(out)
    assert data["unchecked"] == [{"namespace": None, "kind": "EndpointSlice", "reason": "unwatched",
                                  "message": "not permitted to list EndpointSlices in all namespaces",
                                  "skipped": SLICES_GAP["skipped"]}]
    assert not {f["code"] for f in data["findings"]} & {D.NO_READY_ENDPOINTS, D.PODS_NOT_READY,
                                                        D.SELECTORLESS_NO_ENDPOINTS, D.DNS_UNHEALTHY}
    assert "namespaces cannot be listed (forbidden)" in err
    assert rc == 1  # orders' selector
