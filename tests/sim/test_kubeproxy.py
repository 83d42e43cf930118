"""The emulated data path: Service IPs to endpoints (random, ClientIP affinity), refusals, backends."""

from __future__ import annotations

import json
import time

from svctui.sim import resources as R

from .simshell import make_pod, run_in, wait_ready


def _label_nginx(sim, kubectl) -> list[str]:
    names = [p["metadata"]["name"] for p in wait_ready(sim, "default", "app", "nginx", 3)]
    for i, name in enumerate(names, 1):
        kubectl("exec", name, "--", "sh", "-c", f"echo 'Pod {i} responding!' > /usr/share/nginx/html/index.html")
    return names


def test_random_endpoint_after_editing_index_html(demo_sim, demo_kubectl):
    _label_nginx(demo_sim, demo_kubectl)
    make_pod(demo_sim, "default", "test-pod", "curlimages/curl:8.11.1", ["sleep", "3600"])
    out = demo_kubectl("exec", "test-pod", "--", "sh", "-c",
                       "for i in $(seq 60); do curl -s http://nginx-service; done")
    lines = out.splitlines()
    counts = {f"Pod {i} responding!": lines.count(f"Pod {i} responding!") for i in (1, 2, 3)}
    assert sum(counts.values()) == 60 and all(8 <= n <= 35 for n in counts.values()), counts
    # iptables picks at random: the same pod twice in a row happens (strict rotation never does).
    assert any(a == b for a, b in zip(lines, lines[1:], strict=False))
    # The NodePort reaches the same pods on every node IP.
    code, out, _ = run_in(demo_sim, "default", "test-pod", ["curl", "-s", "http://172.18.0.4:30080"])
    assert code == 0 and out.endswith("responding!\n")


def test_session_affinity_client_ip(demo_sim, demo_kubectl):
    _label_nginx(demo_sim, demo_kubectl)
    demo_kubectl("patch", "svc", "nginx-service", "-p", json.dumps({"spec": {"sessionAffinity": "ClientIP"}}))
    make_pod(demo_sim, "default", "a", "curlimages/curl:8.11.1", ["sleep", "3600"])
    code, out, _ = run_in(demo_sim, "default", "a", ["sh", "-c", "for i in $(seq 6); do curl -s nginx-service; done"])
    assert len(set(out.splitlines())) == 1


def test_no_endpoints_refused_and_wrong_port(demo_sim):
    make_pod(demo_sim, "default", "bb", "busybox:1.36", ["sleep", "3600"])
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "demo", "db-typo")["spec"]["clusterIP"])
    code, _, err = run_in(demo_sim, "default", "bb", ["wget", "-qO-", "http://db-typo.demo:5432"])
    assert (code, err) == (1, f"wget: can't connect to remote host ({ip}): Connection refused\n")
    make_pod(demo_sim, "default", "c", "curlimages/curl:8.11.1", ["sleep", "3600"])
    code, _, err = run_in(demo_sim, "default", "c", ["curl", "db-typo.demo:5432"])
    assert (code, err) == (7, "curl: (7) Failed to connect to db-typo.demo port 5432 after 1 ms: Couldn't connect to server\n")
    code, _, err = run_in(demo_sim, "default", "c", ["curl", "-sS", "nope"])
    assert (code, err) == (6, "curl: (6) Could not resolve host: nope\n")
    # A targetPort nothing listens on: web-loadbalancer's 443 goes to nginx pods listening on 80 only.
    wait_ready(demo_sim, "default", "app", "web", 1)
    code, _, err = run_in(demo_sim, "default", "c", ["curl", "-s", "-S", "http://web-loadbalancer:443"])
    assert code == 7 and "Couldn't connect to server" in err
    # A port the Service does not have: nothing answers.
    code, _, err = run_in(demo_sim, "default", "c", ["curl", "-sS", "--max-time", "2", "http://nginx-service:81"])
    assert code == 28 and err.startswith("curl: (28) Connection timed out after ")
    # No endpoints at all any more: refused.
    demo_sim.call(lambda c: c.api.patch(R.DEPLOYMENTS, "default", "nginx-deployment", "application/merge-patch+json",
                                        b'{"spec":{"replicas":0}}'))
    deadline = time.time() + 20
    while time.time() < deadline:
        code, _, err = run_in(demo_sim, "default", "c", ["curl", "-sS", "nginx-service"])
        if code == 7:
            break
        time.sleep(0.05)
    assert code == 7


def test_backends_identify_themselves(demo_sim):
    wait_ready(demo_sim, "demo", "app", "api", 2)
    wait_ready(demo_sim, "default", "app", "my-app", 2)
    make_pod(demo_sim, "default", "c", "curlimages/curl:8.11.1", ["sleep", "3600"])
    code, out, _ = run_in(demo_sim, "default", "c", ["curl", "-s", "-i", "nginx-service"])
    assert out.startswith("HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\n") and "<title>Welcome to nginx!</title>" in out
    code, out, _ = run_in(demo_sim, "default", "c", ["curl", "-s", "api.demo:3000/health"])
    assert out == '{"ok":true}'
    code, out, _ = run_in(demo_sim, "default", "c", ["curl", "-s", "api.demo:3000/health/db"])
    assert out == '{"ok":true,"db":"db"}'
    code, out, _ = run_in(demo_sim, "default", "c", ["curl", "-s", "-i", "multi-port-service:9090"])
    served = [line.split(": ", 1)[1] for line in out.split("\r\n") if line.startswith("X-Served-By")]
    assert served and out.endswith(served[0] + "\n") and served[0].startswith("my-app-")
    code, _, err = run_in(demo_sim, "default", "c", ["curl", "db.demo:5432"])
    assert (code, err) == (52, "curl: (52) Empty reply from server\n")
    code, out, _ = run_in(demo_sim, "default", "c", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "nginx-service/missing"])
    assert out == "404"
    # Without -s, curl's progress meter goes to stderr when the body does not go to a terminal.
    code, out, err = run_in(demo_sim, "default", "c", ["curl", "nginx-service"])
    assert code == 0 and err.startswith("  % Total    % Received")


def test_declared_port_nothing_listens_on_is_refused_and_write_out_says_000(demo_sim):
    # nginx listens on 80 only: declaring 8080 opens nothing there.
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web8080", "namespace": "default", "labels": {"run": "web8080"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27-alpine", "ports": [{"containerPort": 8080}]}]}}
    demo_sim.call(lambda c: c.api.create(R.PODS, "default", body))
    make_pod(demo_sim, "default", "c", "curlimages/curl:8.11.1", ["sleep", "3600"])
    ip = wait_ready(demo_sim, "default", "run", "web8080", 1)[0]["status"]["podIP"]
    code, out, err = run_in(demo_sim, "default", "c", ["curl", "-sS", f"{ip}:8080"])
    assert (code, out) == (7, "") and err == f"curl: (7) Failed to connect to {ip} port 8080 after 1 ms: Couldn't connect to server\n"
    code, out, _ = run_in(demo_sim, "default", "c", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", f"{ip}:80"])
    assert (code, out) == (0, "200")
    # curl prints -w's output for a failed transfer too: 000 when no response came, the status with -f.
    for argv, want in ((["curl", "-s", "-w", "%{http_code}", f"{ip}:8080"], (7, "000")),
                       (["curl", "-s", "-w", "%{http_code}\\n", "nosuchhost"], (6, "000\n")),
                       (["curl", "-s", "-w", "%{http_code}", "db.demo:5432"], (52, "000")),
                       (["curl", "-sf", "-o", "/dev/null", "-w", "%{http_code}", f"{ip}/missing"], (22, "404"))):
        code, out, _ = run_in(demo_sim, "default", "c", argv)
        assert (code, out) == want, argv
