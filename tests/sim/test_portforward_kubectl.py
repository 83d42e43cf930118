"""kubectl port-forward (SPDY/3.1 tunnelled in a websocket, kubectl 1.31+) against the sim, fetched from the host."""

from __future__ import annotations

import re
import select
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from .simshell import wait_ready


def _forwarding(proc: subprocess.Popen[str], timeout: float = 20) -> int:
    """The local port from kubectl's 'Forwarding from 127.0.0.1:N -> P' line."""
    assert proc.stdout is not None
    deadline = time.time() + timeout
    seen = ""
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            seen += line
            m = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> \d+", line)
            if m:
                return int(m.group(1))
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"no Forwarding line from kubectl: {seen!r} {proc.stderr.read() if proc.stderr else ''!r}")


def _get(port: int) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
        return r.status, r.read().decode()


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


@pytest.mark.parametrize("target", ["pod", "svc/nginx-service"])
def test_kubectl_port_forward_reaches_nginx(demo_sim, demo_kubectl, target):
    nginx = wait_ready(demo_sim, "default", "app", "nginx", 1)[0]["metadata"]["name"]
    what = f"pod/{nginx}" if target == "pod" else target
    proc = demo_kubectl.popen("port-forward", what, ":80")
    try:
        port = _forwarding(proc)
        # Two connections in turn and two at once: each is its own pair of streams in one SPDY session.
        for _ in range(2):
            status, body = _get(port)
            assert status == 200 and "<title>Welcome to nginx!</title>" in body
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for status, body in pool.map(lambda _: _get(port), range(2)):
                assert status == 200 and "<title>Welcome to nginx!</title>" in body
        assert proc.poll() is None, "kubectl port-forward ended after serving"
    finally:
        err = _stop(proc)
    assert "error" not in err.lower(), err


def test_kubectl_port_forward_refused_port(demo_sim, demo_kubectl):
    nginx = wait_ready(demo_sim, "default", "app", "nginx", 1)[0]["metadata"]["name"]
    proc = demo_kubectl.popen("port-forward", f"pod/{nginx}", ":81")
    try:
        port = _forwarding(proc)
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _get(port)
        # kubectl 1.32 prints the kubelet's message and gives up on the whole forward, as with a real cluster.
        proc.wait(timeout=15)
    finally:
        err = _stop(proc)
    assert "an error occurred forwarding" in err and f"{port} -> 81" in err
    assert "dial tcp4 127.0.0.1:81: connect: connection refused" in err
    assert proc.returncode == 1


def test_kubectl_port_forward_through_tls_and_token(tmp_path):
    """The tunnel is an ordinary request to the front door: TLS and the bearer token as on every path."""
    from svctui.sim.cluster import SimOptions

    from ..conftest import Kubectl, start_sim

    if "tls" not in SimOptions.__dataclass_fields__:
        pytest.skip("this tree's sim has no TLS/auth front door")
    sim = start_sim(["demo"], tls=True, auth="token")
    try:
        cfg = sim.write_kubeconfig(tmp_path / "kubeconfig")
        kubectl = Kubectl(cfg, tmp_path / "kube-cache")
        nginx = wait_ready(sim, "default", "app", "nginx", 1)[0]["metadata"]["name"]
        proc = kubectl.popen("port-forward", f"pod/{nginx}", ":80")
        try:
            status, body = _get(_forwarding(proc))
            assert status == 200 and "<title>Welcome to nginx!</title>" in body
        finally:
            _stop(proc)
        # The tunnel's upgrade without the token is the front door's 401, never a 101.
        assert _tunnel_upgrade_status(sim, nginx) == 401
    finally:
        sim.stop()


def _tunnel_upgrade_status(sim, pod: str) -> int:
    import asyncio
    import ssl

    import aiohttp

    async def go() -> int:
        ctx = ssl.create_default_context(cadata=sim.ca_pem.decode())
        url = f"{sim.url}/api/v1/namespaces/default/pods/{pod}/portforward"
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, protocols=["SPDY/3.1+portforward.k8s.io"], ssl=ctx):
                    return 101
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

    return asyncio.run(go())
