"""`svctui doctor` against the simulated cluster, through the real client (kubeconfig → list → model)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svctui.commands.doctor import main as doctor_main
from svctui.commands.doctor import write_text
from svctui.model import diagnose as D
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig

from .conftest import make_kubectl, start_sim

FAILURES = {
    ("failures/orders", D.SELECTOR_MATCHES_NO_PODS),
    ("failures/payments", D.TARGET_PORT_NOT_EXPOSED),
    ("failures/catalog", D.NAMED_PORT_UNRESOLVED),
    ("failures/inventory", D.NO_READY_ENDPOINTS),
    ("failures/search", D.PODS_NOT_READY),
    ("failures/search", D.SELECTOR_MATCHES_MULTIPLE_WORKLOADS),
    ("failures/legacy-db", D.SELECTORLESS_NO_ENDPOINTS),
    ("failures/edge", D.LOCAL_POLICY_NO_LOCAL_ENDPOINTS),
    ("failures/edge", D.LB_PENDING),
}


def run(capsys, kubeconfig: Path, *args: str) -> tuple[int, str, str]:
    rc = doctor_main([*args, "--kubeconfig", str(kubeconfig)])
    out, err = capsys.readouterr()
    return rc, out, err


def pairs(data: dict) -> set[tuple[str, str]]:
    return {(f["service"], f["code"]) for f in data["findings"]}


def wait_json(capsys, kubeconfig: Path, args: list[str], pred, timeout: float = 30) -> tuple[int, dict]:
    """Poll until pred(json) holds: pods become ready (or not) on the sim's clock, not at once."""
    deadline = time.monotonic() + timeout
    while True:
        rc, out, err = run(capsys, kubeconfig, *args, "-o", "json")
        data = json.loads(out)
        if pred(data):
            return rc, data
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; last findings: {sorted(pairs(data))}\n{err}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def failures(tmp_path_factory):
    s = start_sim(["failures"])
    cfg = write_kubeconfig(tmp_path_factory.mktemp("doctor") / "kubeconfig", s.url)
    yield s, cfg
    s.stop()


# ---- the failures scenario, read only ------------------------------------------------------------

def test_each_failure_mode_is_found(failures, capsys):
    _, cfg = failures
    rc, data = wait_json(capsys, cfg, ["-n", "failures"], lambda d: pairs(d) == FAILURES)
    assert rc == 1
    for f in data["findings"]:
        assert set(f) == {"service", "severity", "code", "message", "evidence", "kubectl"}
        assert f["severity"] in D.SEVERITIES and isinstance(f["evidence"], dict) and f["kubectl"]
        assert all(c.startswith("kubectl ") for c in f["kubectl"])
    by = {(f["service"], f["code"]): f for f in data["findings"]}
    orders = by[("failures/orders", D.SELECTOR_MATCHES_NO_PODS)]
    assert "nearest: app=orders (2 pods)" in orders["message"]
    assert by[("failures/edge", D.LB_PENDING)]["evidence"]["platform"] == "kind"
    assert by[("failures/catalog", D.NAMED_PORT_UNRESOLVED)]["severity"] == D.ERROR
    # Worst first: errors, then warnings, then info.
    ranks = [D.severity_rank(f["severity"]) for f in data["findings"]]
    assert ranks == sorted(ranks)


def test_text_output_is_readable(failures, capsys):
    _, cfg = failures
    wait_json(capsys, cfg, ["-n", "failures"], lambda d: pairs(d) == FAILURES)
    rc, out, _ = run(capsys, cfg, "-n", "failures")
    assert rc == 1
    assert "✖ ERROR   failures/orders  [selector-matches-no-pods]" in out
    assert "✖ ERROR   failures/payments  [target-port-not-exposed]" in out  # refused: see test_one_service
    assert "ℹ INFO    failures/edge  [lb-pending]" in out
    assert "  evidence:\n" in out and "  confirm with:\n    kubectl -n failures " in out
    assert out.rstrip().endswith("(8 Services checked in namespace failures)")


def test_one_service(failures, capsys):
    _, cfg = failures
    rc, data = wait_json(capsys, cfg, ["svc/payments", "-n", "failures"], lambda d: d["findings"])
    assert pairs(data) == {("failures/payments", D.TARGET_PORT_NOT_EXPOSED)}
    # 8008 is not declared (8080 is) and a port-forward to a payments pod on 8008 is refused: an error.
    [f] = data["findings"]
    assert rc == 1 and f["severity"] == D.ERROR, f
    assert "and connections to it are refused (port-forward to payments-" in f["message"]
    assert "dial tcp4 127.0.0.1:8008: connect: connection refused" in f["evidence"]["port_forward"]
    rc, out, _ = run(capsys, cfg, "svc/healthy", "-n", "failures")
    assert rc == 0 and "no problems found (svc/healthy in namespace failures)" in out


def test_service_not_found_points_to_its_namespace(failures, capsys):
    _, cfg = failures
    rc, out, _ = run(capsys, cfg, "svc/orders", "-n", "default", "-o", "json")
    assert rc == 1
    [f] = json.loads(out)["findings"]
    assert (f["code"], f["service"]) == (D.SERVICE_NOT_FOUND, "default/orders")
    assert "orders.failures" in f["message"] and "orders.failures.svc.cluster.local" in f["message"]


def test_healthy_namespace_exits_zero(failures, capsys):
    _, cfg = failures
    rc, out, _ = run(capsys, cfg, "-n", "default")
    assert rc == 0
    assert "no problems found (1 Service checked in namespace default)" in out


def test_all_namespaces(failures, capsys):
    _, cfg = failures
    rc, data = wait_json(capsys, cfg, ["-A"], lambda d: pairs(d) == FAILURES)
    assert rc == 1


def test_cli_subprocess(failures):
    _, cfg = failures
    proc = subprocess.run([sys.executable, "-m", "svctui", "doctor", "svc/legacy-db", "-n", "failures",
                           "--kubeconfig", str(cfg), "--output", "json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert pairs(json.loads(proc.stdout)) == {("failures/legacy-db", D.SELECTORLESS_NO_ENDPOINTS)}


def test_name_dot_namespace_names_the_namespace(capsys, failures):
    # The same Service as `svc/legacy-db -n failures` (test_cli_subprocess), named the DNS way.
    _, cfg = failures
    for target, extra in (("legacy-db.failures", []), ("svc/legacy-db.failures", ["-n", "failures"])):
        rc, out, err = run(capsys, cfg, target, *extra, "--output", "json")
        assert rc == 1, err
        assert pairs(json.loads(out)) == {("failures/legacy-db", D.SELECTORLESS_NO_ENDPOINTS)}
    rc, _, err = run(capsys, cfg, "legacy-db.failures", "-n", "default")
    assert rc == 2 and "-n says default" in err


def test_ascii_terminal_gets_ascii_markers(failures):
    _, cfg = failures
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    proc = subprocess.run([sys.executable, "-m", "svctui", "doctor", "svc/legacy-db", "-n", "failures",
                           "--kubeconfig", str(cfg)], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("x ERROR   failures/legacy-db")


# ---- usage errors and an unreachable cluster: exit 2 ---------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["deploy/orders"], "only Services"),
    (["svc/orders", "-A"], "not -A"),
    (["svc/"], "not svc/NAME"),
])
def test_usage_errors(capsys, tmp_path, args, words):
    rc, _, err = run(capsys, write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:9"), *args)
    assert rc == 2 and words in err


def test_conflicting_scope_is_a_usage_error(capsys):
    assert doctor_main(["-n", "x", "-A"]) == 2
    assert "not allowed with" in capsys.readouterr().err


def test_bad_output_format(capsys):
    assert doctor_main(["-o", "yaml"]) == 2


def test_missing_kubeconfig(capsys, tmp_path):
    rc, _, err = run(capsys, tmp_path / "nope")
    assert rc == 2 and "no such file" in err


def test_unreachable_cluster(capsys, tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on: bound, never accepted
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc, out, err = run(capsys, write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}"))
    assert rc == 2 and out == ""
    assert "cannot reach the cluster" in err and f"127.0.0.1:{port}" in err


# ---- fixes make findings go away -----------------------------------------------------------------

def test_fixing_the_cluster_clears_findings(capsys, tmp_path):
    s = start_sim(["failures"])
    try:
        kubectl = make_kubectl(s, tmp_path)
        cfg = Path(kubectl.env["KUBECONFIG"])
        args = ["-n", "failures"]
        wait_json(capsys, cfg, args, lambda d: pairs(d) == FAILURES)
        kubectl("-n", "failures", "patch", "svc", "orders", "-p", '{"spec":{"selector":{"app":"orders"}}}')
        kubectl("-n", "failures", "patch", "svc", "catalog", "--type=json",
                "-p", '[{"op":"replace","path":"/spec/ports/0/targetPort","value":"http"}]')
        kubectl("-n", "failures", "annotate", "pod", "search-canary", "sim.svctui.dev/ready=true", "--overwrite")
        gone = {("failures/orders", D.SELECTOR_MATCHES_NO_PODS), ("failures/catalog", D.NAMED_PORT_UNRESOLVED),
                ("failures/search", D.PODS_NOT_READY)}
        rc, data = wait_json(capsys, cfg, args, lambda d: pairs(d) == FAILURES - gone)
        assert rc == 1  # inventory and legacy-db are still broken
        kubectl("-n", "failures", "delete", "svc", "inventory", "legacy-db")
        kubectl("-n", "failures", "patch", "svc", "payments", "--type=json",
                "-p", '[{"op":"replace","path":"/spec/ports/0/targetPort","value":8080}]')
        rc, data = wait_json(capsys, cfg, args, lambda d: all(f["severity"] != D.ERROR for f in d["findings"]))
        assert rc == 0
    finally:
        s.stop()


def test_dns_down_and_back(capsys, tmp_path):
    s = start_sim(["dns-down"])
    try:
        kubectl = make_kubectl(s, tmp_path)
        cfg = Path(kubectl.env["KUBECONFIG"])
        rc, data = wait_json(capsys, cfg, ["-n", "default"], lambda d: d["findings"])
        assert rc == 1
        [f] = data["findings"]
        assert (f["service"], f["code"], f["severity"]) == ("kube-system/kube-dns", D.DNS_UNHEALTHY, D.ERROR)
        # -A sees kube-dns itself too, but says it once.
        _, data = wait_json(capsys, cfg, ["-A"], lambda d: d["findings"])
        assert pairs(data) == {("kube-system/kube-dns", D.DNS_UNHEALTHY)}
        kubectl("-n", "kube-system", "scale", "deployment", "coredns", "--replicas=2")
        rc, data = wait_json(capsys, cfg, ["-n", "default"], lambda d: not d["findings"])
        assert rc == 0
    finally:
        s.stop()


# ---- rendering -----------------------------------------------------------------------------------

def test_text_strips_control_characters():
    f = D.Finding("default/we\x1b[31mb", D.WARNING, D.PODS_NOT_READY, "pod \x1b]8;;http://x\x07bad\x1b]8;;\x07 not ready",
                  (D.Fact("pods", ("p\x1b[2J1\nnext",)),), ("kubectl get pod p\x9b1",))
    out = io.StringIO()
    write_text([f], out, "1 Service checked")
    text = out.getvalue()
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "default/web" in text and "p1 next" in text


def test_demo_scenario_only_flags_what_is_broken(demo_sim, capsys, tmp_path):
    # The seeds' healthy setups (ClusterIP, NodePort, headless, named multi-port, the `kubernetes`
    # Service, kube-dns) stay quiet; the deliberate typo and the LoadBalancer speak, and so does the
    # ExternalName: its target database.example.com does not exist (NXDOMAIN, as on the internet).
    cfg = write_kubeconfig(tmp_path / "kc", demo_sim.url)
    expected = {("demo/db-typo", D.SELECTOR_MATCHES_NO_PODS),
                ("default/external-db", D.EXTERNAL_NAME_UNRESOLVED),
                ("default/web-loadbalancer", D.TARGET_PORT_NOT_EXPOSED),  # nginx declares 80 only, 443 is mapped
                ("default/web-loadbalancer", D.LB_PENDING)}
    rc, _ = wait_json(capsys, cfg, ["-A"], lambda d: pairs(d) == expected)
    assert rc == 1


def test_external_name_target_is_resolved_through_the_cluster_dns(demo_sim, capsys, tmp_path):
    """Asked as a pod would (the Service's FQDN, CNAME followed) over a port-forward to CoreDNS."""
    kubectl = make_kubectl(demo_sim, tmp_path)
    cfg = write_kubeconfig(tmp_path / "kc", demo_sim.url)
    rc, out, err = run(capsys, cfg, "svc/external-db", "-n", "default", "-o", "json")
    [f] = json.loads(out)["findings"]
    assert (rc, f["code"], f["severity"]) == (1, D.EXTERNAL_NAME_UNRESOLVED, D.ERROR), err
    assert "database.example.com does not exist (NXDOMAIN)" in f["message"]
    assert f["evidence"]["names_followed"] == ["external-db.default.svc.cluster.local", "database.example.com"]
    kubectl("-n", "default", "patch", "service", "external-db", "-p", '{"spec":{"externalName":"example.com"}}')
    rc, out, err = run(capsys, cfg, "svc/external-db", "-n", "default", "-o", "json")
    assert (rc, json.loads(out)["findings"]) == (0, []), err


def test_external_name_check_is_skipped_when_port_forward_is_forbidden(demo_sim, capsys, tmp_path):
    demo_sim.call(lambda c: c.server.forbid.add(("create", "pods/portforward", "kube-system")))
    cfg = write_kubeconfig(tmp_path / "kc", demo_sim.url)
    rc, out, err = run(capsys, cfg, "svc/external-db", "-n", "default", "-o", "json")
    assert (rc, json.loads(out)["findings"]) == (0, [])
    assert "note: ExternalName targets not checked" in err and "forbidden" in err
    assert demo_sim.call(lambda c: [p["metadata"]["name"] for p in c.store.list(R.PODS, "default")
                                    if "debug" in p["metadata"]["name"]]) == [], "no debug pod fallback"


UNDECLARED = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: undeclared, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: undeclared}}
  template:
    metadata: {labels: {app: undeclared}}
    spec:
      containers:
      - name: api
        image: ghcr.io/svctui/demo-api:1.0.0
        env: [{name: PORT, value: "3000"}]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: undeclared, namespace: default}
spec:
  selector: {app: undeclared}
  ports: [{port: 80, targetPort: 3000}]
"""


def test_undeclared_target_port_that_listens_stays_a_warning(capsys, tmp_path):
    """Declared ports are informational: this container listens on 3000 (PORT) but declares 8080. The
    port-forward to 3000 is accepted, so there is no evidence of refusal: the finding stays a warning."""
    s = start_sim(["empty"])
    try:
        kubectl = make_kubectl(s, tmp_path)
        cfg = Path(kubectl.env["KUBECONFIG"])
        kubectl("apply", "-f", "-", input=UNDECLARED)
        kubectl("-n", "default", "wait", "--for=condition=Ready", "pod", "-l", "app=undeclared", "--timeout=30s")
        rc, out, err = run(capsys, cfg, "svc/undeclared", "-n", "default", "-o", "json")
        [f] = json.loads(out)["findings"]
        assert (rc, f["code"], f["severity"]) == (0, D.TARGET_PORT_NOT_EXPOSED, D.WARNING), (f, err)
        assert f["evidence"]["target_port"] == 3000 and "port_forward" not in f["evidence"]
        assert "not tried" not in err, "the port was tried"
    finally:
        s.stop()


def test_a_tutorial_placeholder_image_is_named_by_the_doctor(capsys, tmp_path):
    """The tutorials' `my-backend-api:v1` behind a Service: not a selector or port problem, an image pull."""
    s = start_sim()
    try:
        kubectl = make_kubectl(s, tmp_path)
        cfg = Path(kubectl.env["KUBECONFIG"])
        kubectl("create", "deployment", "backend", "--image=my-backend-api:v1", "--replicas=2", "--port=8080")
        kubectl("expose", "deployment", "backend", "--port=80", "--target-port=8080")

        def named(d: dict) -> bool:
            return any(f["code"] == D.NO_READY_ENDPOINTS and "ImagePullBackOff" in f["message"] for f in d["findings"])

        rc, data = wait_json(capsys, cfg, ["-n", "default"], named)
        assert rc == 1
        [f] = [f for f in data["findings"] if f["service"] == "default/backend"]
        assert f["message"].endswith("; why: 2 ImagePullBackOff")
        assert f["evidence"]["not_ready_reasons"] == "2 ImagePullBackOff"
        assert all("ImagePullBackOff: the image cannot be pulled" in p for p in f["evidence"]["pods"])
    finally:
        s.stop()


def test_kinds_own_kube_system_has_no_findings(capsys, tmp_path):
    """Static pods, kube-proxy, kindnet and local-path-provisioner run with no Service: nothing to report."""
    s = start_sim()
    try:
        kubectl = make_kubectl(s, tmp_path)
        cfg = Path(kubectl.env["KUBECONFIG"])
        pods = lambda: kubectl("get", "pods", "-A", "--no-headers").splitlines()  # noqa: E731
        deadline = time.monotonic() + 30
        while not (len(pods()) == 13 and all(" Running " in p for p in pods())):
            assert time.monotonic() < deadline, pods()
            time.sleep(0.2)
        rc, out, err = run(capsys, cfg, "-A", "-o", "json")
        assert rc == 0 and json.loads(out)["findings"] == [], out
    finally:
        s.stop()
