"""`svctui doctor` as jane (scenario rbac-limited: `view` in demo only) on the sim's real RBAC: findings for
what she can read, a "could not check" for every namespace she cannot, and no verdict on cluster DNS."""

from __future__ import annotations

import pytest

from svctui.model import diagnose as D

from .conftest import start_secure_sim
from .test_doctor import pairs, run, wait_json

JANE = ["--context", "svctui-sim-jane"]
DEMO = {("demo/db-typo", D.SELECTOR_MATCHES_NO_PODS)}


@pytest.fixture(scope="module")
def jane_cfg(tmp_path_factory):
    s = start_secure_sim(["demo", "rbac-limited"], auth="token", users=("jane",))
    yield s.write_kubeconfig(tmp_path_factory.mktemp("doctor-jane") / "kubeconfig")
    s.stop()


def test_her_namespace(jane_cfg, capsys):
    rc, data = wait_json(capsys, jane_cfg, ["-n", "demo", *JANE], lambda d: pairs(d) == DEMO)
    assert rc == 1 and data["unchecked"] == []
    rc, out, err = run(capsys, jane_cfg, "-n", "demo", *JANE)
    assert "cluster DNS not checked: not permitted to list Services in kube-system" in err
    assert out.rstrip().endswith("1 finding: 1 error (3 Services checked in namespace demo)")


def test_all_namespaces(jane_cfg, capsys):
    rc, data = wait_json(capsys, jane_cfg, ["-A", *JANE], lambda d: pairs(d) == DEMO)
    assert rc == 1
    assert not any(f["code"] == D.DNS_UNHEALTHY for f in data["findings"])
    refused = {(g["namespace"], g["kind"]) for g in data["unchecked"]}
    others = ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage")
    assert refused == {(ns, kind) for ns in others for kind in ("Service", "EndpointSlice", "Pod")}
    assert {g["reason"] for g in data["unchecked"]} == {"forbidden"}


def test_a_namespace_she_cannot_read_is_no_clean_bill(jane_cfg, capsys):
    rc, out, _ = run(capsys, jane_cfg, "-n", "default", *JANE)
    assert rc == 2
    assert "? could not check default: not permitted to list Services in default: every check of its Services " \
           "skipped" in out
    assert out.rstrip().endswith("? no problems found in what could be read (0 Services checked in namespace "
                                 "default; incomplete: 3 lists not permitted)")
    # The admin's context on the same cluster reads it all: the refusals were jane's, not the sim's.
    rc, out, _ = run(capsys, jane_cfg, "-n", "default")
    assert "could not check" not in out
