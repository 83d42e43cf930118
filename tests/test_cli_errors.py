"""Every CLI error is one line on stderr and exit 2, never a traceback: run as subprocesses, the way a
user (or a script checking $?) meets them. Each case here ended in a Python traceback (exit 1), or in
doctor's "no problems found" (exit 0), before."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from svctui.sim.runner import write_kubeconfig

from .conftest import start_sim

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "svctui": [],
    "doctor": ["doctor"],
    "dns": ["dns", "nginx-service"],
    "probe": ["probe", "svc/nginx-service"],
}


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    return subprocess.run([sys.executable, "-m", "svctui", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith("svctui") and ": error: " in line, line
    assert "Traceback" not in proc.stderr and "\x1b" not in proc.stderr
    for n in needles:
        assert n in line, line
    return line


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Path]:
    sim = start_sim(["demo"], seed=11)
    yield write_kubeconfig(tmp_path_factory.mktemp("kc") / "kubeconfig", sim.url)
    sim.stop()


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[Path]:
    """A captive portal: every path answers 200 with an HTML login page."""
    import asyncio

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Welcome to Hotel WiFi [bold]log in[/] \x1b[2J</body></html>",
                            content_type="text/html")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield write_kubeconfig(tmp_path_factory.mktemp("portal") / "kubeconfig", f"http://127.0.0.1:{port}")
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


NO_SERVER = """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {cluster}
contexts:
- name: x
  context: {{cluster: c, user: u, namespace: default}}
current-context: x
users:
- name: u
  user: {{token: abc}}
"""


@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_binary_kubeconfig(tmp_path, cmd):
    path = tmp_path / "kubeconfig"
    path.write_bytes(bytes(range(256)) * 8)
    one_line_error(run(*COMMANDS[cmd], "--kubeconfig", str(path)), "is not a text file")


@pytest.mark.parametrize("cluster_entry", ["{}", "{insecure-skip-tls-verify: true}"], ids=["empty", "no-server"])
@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_cluster_without_a_server(tmp_path, cmd, cluster_entry):
    path = tmp_path / "kubeconfig"
    path.write_text(NO_SERVER.format(cluster=cluster_entry))
    one_line_error(run(*COMMANDS[cmd], "--kubeconfig", str(path)), "has no server")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_captive_portal_answering_html(portal, cmd):
    one_line_error(run(*COMMANDS[cmd], "--kubeconfig", str(portal)), "is not a Kubernetes API server",
                          "GET /version answered '<html><body>Welcome to Hotel WiFi [bold]log in[/]")


@pytest.mark.parametrize("cmd", COMMANDS)
def test_a_namespace_that_does_not_exist(cluster, cmd):
    one_line_error(run(*COMMANDS[cmd], "--kubeconfig", str(cluster), "-n", "no-such-namespace"),
                   'namespaces "no-such-namespace" not found')


def test_a_hostile_namespace_name_is_shown_literally(cluster):
    line = one_line_error(run("doctor", "--kubeconfig", str(cluster), "-n", "[bold red]x\u200b\x1b]0;t\x07"))
    assert line.endswith('namespaces "[bold red]x\\u200b" not found'), line


def test_doctor_in_a_namespace_that_exists_still_works(cluster):
    proc = run("doctor", "--kubeconfig", str(cluster), "-n", "demo")
    assert proc.returncode in (0, 1) and "Services checked in namespace demo" in proc.stdout, proc.stderr


def test_a_binary_scenario_file_for_the_sim(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(bytes(range(256)) * 8)
    one_line_error(run("sim", "--scenario", str(path)), "is not a text file")


def test_a_server_answering_html_after_version_is_one_line(tmp_path):
    """Past the preflight (a real /version), an answer that is not JSON still ends in one line, exit 2:
    the proxy here serves the Kubernetes version and HTML for everything else."""
    import asyncio

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/version":
            return web.json_response({"major": "1", "minor": "32", "gitVersion": "v1.32.2"})
        return web.Response(text="<html>login</html>", content_type="text/html")

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        cfg = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
        for cmd in ("doctor", "dns", "probe"):
            line = one_line_error(run(*COMMANDS[cmd], "--kubeconfig", str(cfg)))
            assert "not JSON" in line or "not a JSON object" in line or "not a Kubernetes" in line, line
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
