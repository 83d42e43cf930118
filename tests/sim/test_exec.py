"""exec and attach over websockets: real kubectl, kubernetes_asyncio's WsApiClient and the sync client."""

from __future__ import annotations

import asyncio
import json
import time

import requests

from svctui.sim import resources as R

from ..conftest import make_kubectl, start_sim
from .simshell import make_pod, run_in, wait_ready


def _nginx(sim) -> str:
    return wait_ready(sim, "default", "app", "nginx", 3)[0]["metadata"]["name"]


def test_kubectl_exec_resolv_conf_and_exit_codes(demo_sim, demo_kubectl):
    pod = _nginx(demo_sim)
    out = demo_kubectl("exec", pod, "--", "cat", "/etc/resolv.conf")
    assert out == "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n"
    r = demo_kubectl.run("exec", pod, "--", "sh", "-c", "echo out; echo err >&2; exit 3", check=False)
    assert (r.returncode, r.stdout) == (3, "out\n")
    assert "err\n" in r.stderr and "command terminated with exit code 3" in r.stderr
    r = demo_kubectl.run("exec", pod, "--", "sh", "-c", "xyz", check=False)
    assert r.returncode == 127 and "sh: xyz: not found" in r.stderr
    r = demo_kubectl.run("exec", pod, "--", "xyz", check=False)
    assert r.returncode == 1
    assert 'exec: "xyz": executable file not found in $PATH' in r.stderr and "OCI runtime exec failed" in r.stderr


def test_kubectl_exec_stdin_shell_and_files(demo_sim, demo_kubectl):
    pod = _nginx(demo_sim)
    script = "echo hello > /tmp/x\ncat /tmp/x\nfor i in $(seq 3); do printf '%s,' $i; done\necho\nhostname\nexit 4\necho never\n"
    r = demo_kubectl.run("exec", "-i", pod, "--", "sh", input=script, check=False)
    assert r.stdout == f"hello\n1,2,3,\n{pod}\n"
    assert r.returncode == 4


def test_kubectl_run_nslookup_prints_output_and_removes_pod(demo_sim, demo_kubectl):
    r = demo_kubectl.run("run", "dbg", "--rm", "-i", "--restart=Never", "--image=busybox:1.36", "--",
                         "nslookup", "nginx-service", check=False)
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "default", "nginx-service")["spec"]["clusterIP"])
    assert r.stdout.startswith("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n")
    assert f"Name:\tnginx-service.default.svc.cluster.local\nAddress: {ip}\n" in r.stdout
    # busybox queries every search domain and exits 1 because some of them are NXDOMAIN, as the real one does.
    assert "** server can't find nginx-service.svc.cluster.local: NXDOMAIN" in r.stdout
    assert r.returncode == 1
    assert demo_sim.call(lambda c: c.store.get(R.PODS, "default", "dbg")) is None or "deleted" in r.stdout


def test_kubectl_run_rm_i_restart_always(tmp_path):
    """Seeds 002/003 without --restart=Never: kubectl attaches while the short command's container is still
    reported running, shows its output, deletes the pod and exits 0 (Always: no exit code to wait for).
    At speed 1, since the attach has to land within that second (see test_tty.py)."""
    sim = start_sim(["demo"], speed=1.0)
    try:
        k = make_kubectl(sim, tmp_path)
        r = k.run("run", "debug", "--image=busybox", "--rm", "-i", "--", "nslookup", "nginx-service", check=False)
        assert r.stdout.startswith("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
                                   "Name:\tnginx-service.default.svc.cluster.local\n")
        # Without a TTY kubectl says nothing about resuming; it falls back to logs only if the attach failed.
        assert r.stdout.endswith('\npod "debug" deleted\n') and "Session ended" not in r.stdout + r.stderr
        assert "couldn't attach" not in r.stderr and r.returncode == 0
        r = k.run("run", "test", "--image=busybox", "-i", "--rm", "--", "wget", "-qO-", "http://nginx-service",
                  check=False)
        assert "<title>Welcome to nginx!</title>" in r.stdout and r.stdout.endswith('pod "test" deleted\n')
        assert "couldn't attach" not in r.stderr and r.returncode == 0
        # The exit is seen a relist later, but finishedAt is when the process ended (echo: its start).
        k("run", "once", "--restart=Never", "--image=busybox", "--", "echo", "hi")
        deadline = time.time() + 20
        while time.time() < deadline:
            pod = sim.call(lambda c: c.store.get(R.PODS, "default", "once"))
            if pod["status"].get("phase") == "Succeeded":
                break
            time.sleep(0.1)
        done = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        assert done["finishedAt"] == done["startedAt"] and done["reason"] == "Completed"
    finally:
        sim.stop()


def test_kubectl_logs_of_finished_run(demo_sim, demo_kubectl):
    demo_kubectl("run", "once", "--restart=Never", "--image=busybox:1.36", "--", "sh", "-c",
                 "echo first; for i in 1 2; do echo line $i; done; exit 2")
    deadline = time.time() + 20
    while time.time() < deadline:
        phase = demo_sim.call(lambda c: (c.store.get(R.PODS, "default", "once").get("status") or {}).get("phase"))
        if phase == "Failed":
            break
        time.sleep(0.05)
    assert phase == "Failed"
    assert demo_kubectl("logs", "once") == "first\nline 1\nline 2\n"
    st = demo_sim.call(lambda c: c.store.get(R.PODS, "default", "once")["status"]["containerStatuses"][0])
    assert st["state"]["terminated"]["exitCode"] == 2


def test_kubectl_run_interactive_shell_on_stdin(demo_sim, demo_kubectl):
    r = demo_kubectl.run("run", "shell", "--rm", "-i", "--restart=Never", "--image=busybox:1.36", "--", "sh",
                         input="echo from-stdin\nwget -qO- http://nginx-service | grep -o 'Welcome to nginx!' | head -1\n",
                         check=False, timeout=60)
    assert "from-stdin\nWelcome to nginx!\n" in r.stdout
    assert r.returncode == 0


def test_errors_before_upgrade(demo_sim, demo_kubectl):
    url = demo_sim.url
    make_pod(demo_sim, "default", "two", "busybox:1.36", ["sleep", "3600"])
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pair"},
            "spec": {"containers": [{"name": "a", "image": "busybox:1.36", "command": ["sleep", "3600"]},
                                    {"name": "b", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}}
    demo_sim.call(lambda c: c.api.create(R.PODS, "default", body))
    r = requests.get(f"{url}/api/v1/namespaces/default/pods/pair/exec?command=ls&stdout=true")
    assert r.status_code == 400
    assert r.json()["message"] == "a container name must be specified for pod pair, choose one of: [a b]"
    r = requests.get(f"{url}/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true")
    assert r.status_code == 404 and r.json()["message"] == 'pods "nope" not found'
    # kubectl's SPDY fallback is answered, not left hanging.
    r = requests.post(f"{url}/api/v1/namespaces/default/pods/two/exec?command=ls&stdout=true",
                      headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}, timeout=5)
    assert r.status_code == 400 and "websockets only" in r.json()["message"]
    # A pod that is not running: the kubelet's message, as kubectl shows it.
    pending = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stuck"},
               "spec": {"nodeName": "nowhere", "containers": [{"name": "c", "image": "busybox:1.36"}]}}
    demo_sim.call(lambda c: c.api.create(R.PODS, "default", pending))
    r = demo_kubectl.run("exec", "stuck", "--", "ls", check=False)
    assert r.returncode == 1 and 'unable to upgrade connection: container not found ("c")' in r.stderr


def test_kubernetes_asyncio_ws_exec_v4(demo_sim, tmp_path):
    from kubernetes_asyncio import client, config
    from kubernetes_asyncio.stream import WsApiClient

    from svctui.sim.runner import write_kubeconfig

    pod = _nginx(demo_sim)
    cfg = write_kubeconfig(tmp_path / "kc", demo_sim.url)

    async def go():
        conf = client.Configuration()
        await config.load_kube_config(config_file=str(cfg), client_configuration=conf)
        async with WsApiClient(configuration=conf) as ws:
            api = client.CoreV1Api(api_client=ws)
            out = await api.connect_get_namespaced_pod_exec(pod, "default", command=["sh", "-c", "echo hi; hostname"],
                                                            stderr=True, stdin=False, stdout=True, tty=False)
            raw = await api.connect_get_namespaced_pod_exec(pod, "default", command=["sh", "-c", "echo bye; exit 7"],
                                                            stderr=True, stdin=False, stdout=True, tty=False,
                                                            _preload_content=False)
            frames = {}
            async with raw as sock:
                async for msg in sock:
                    frames.setdefault(msg.data[0], b"")
                    frames[msg.data[0]] += msg.data[1:]
            return out, frames

    out, frames = asyncio.run(go())
    assert out == f"hi\n{pod}\n"
    assert frames[1] == b"bye\n"
    status = json.loads(frames[3])
    assert status["reason"] == "NonZeroExitCode" and status["details"]["causes"] == [{"reason": "ExitCode", "message": "7"}]


def test_sync_client_stream_stdin_and_returncode(demo_sim, tmp_path):
    from kubernetes import client, config
    from kubernetes.stream import stream

    from svctui.sim.runner import write_kubeconfig

    pod = _nginx(demo_sim)
    cfg = write_kubeconfig(tmp_path / "kc", demo_sim.url)
    api = client.CoreV1Api(api_client=config.new_client_from_config(config_file=str(cfg)))
    resp = stream(api.connect_get_namespaced_pod_exec, pod, "default", command=["sh"], stdin=True, stdout=True,
                  stderr=True, tty=False, _preload_content=False)
    resp.write_stdin("echo text-frame\n")
    resp.write_stdin(b"echo binary-frame; exit 5\n")
    resp.run_forever(timeout=10)
    assert resp.read_stdout() == "text-frame\nbinary-frame\n"
    assert resp.returncode == 5
    resp.close()


def test_ephemeral_container_debug(demo_sim, demo_kubectl):
    pod = _nginx(demo_sim)
    r = demo_kubectl.run("debug", pod, "-i", "--image=busybox:1.36", "--container=dbg", "--", "sh",
                         input="echo in-debugger\nnslookup kubernetes.default.svc.cluster.local | tail -4\n", check=False, timeout=60)
    assert "in-debugger" in r.stdout
    assert "Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n" in r.stdout
    p = demo_sim.call(lambda c: c.store.get(R.PODS, "default", pod))
    assert [c["name"] for c in p["spec"]["ephemeralContainers"]] == ["dbg"]
    statuses = {s["name"]: s for s in p["status"].get("ephemeralContainerStatuses") or []}
    assert "dbg" in statuses
    # Only additions: changing an existing ephemeral container is refused.
    changed = dict(p["spec"]["ephemeralContainers"][0], image="busybox:1.37")
    url = f"{demo_sim.url}/api/v1/namespaces/default/pods/{pod}/ephemeralcontainers"
    r = requests.patch(url, data=json.dumps({"spec": {"ephemeralContainers": [changed]}}),
                       headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert r.status_code == 422 and 'existing ephemeral containers "dbg" may not be changed' in r.json()["message"]


def test_service_link_env(demo_sim):
    make_pod(demo_sim, "default", "envpod", "busybox:1.36", ["sleep", "3600"])
    code, out, _ = run_in(demo_sim, "default", "envpod", ["env"])
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "default", "nginx-service")["spec"]["clusterIP"])
    assert f"NGINX_SERVICE_SERVICE_HOST={ip}\n" in out and f"NGINX_SERVICE_PORT_80_TCP=tcp://{ip}:80\n" in out
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1\n" in out and "HOSTNAME=envpod\n" in out
    assert "DB_SERVICE_HOST" not in out  # a Service of another namespace
