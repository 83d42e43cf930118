"""A stream that is down says why, in the user's terms: refused, timeout, 401, 5xx, not an API
server. Crafted servers on loopback (the sim is a real API server and cannot be any of these)."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web

from svctui.kube.config import load_target
from svctui.kube.state import LOST, RECONNECTING
from svctui.kube.stream import WatchOptions
from svctui.kube.watch import ClusterWatch
from svctui.model.cluster import ClusterModel
from svctui.model.store import SERVICE
from svctui.sim.runner import write_kubeconfig
from svctui.ui.connection import short_reason

QUICK = WatchOptions(backoff_base=0.05, backoff_cap=0.2, seed=1, open_timeout=0.5, list_read_timeout=0.5,
                     idle_timeout=1.0, rows_first=0.1)


def _status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason, "code": code}, status=code)


async def _hang(request: web.Request) -> web.Response:
    await asyncio.sleep(30)
    return web.Response(text="late")


def _answer(make):
    async def handler(request: web.Request) -> web.Response:
        return make()
    return handler


ANSWERS = {
    "401": _answer(lambda: _status(401, "Unauthorized", "Unauthorized")),
    "503": _answer(lambda: _status(503, "ServiceUnavailable", "the apiserver is shutting down")),
    "html200": _answer(lambda: web.Response(text="<!doctype html><html><body>Welcome to nginx!</body></html>",
                                            content_type="text/html")),
    "html404": _answer(lambda: web.Response(text="<html><body>404 Not Found</body></html>", status=404,
                                            content_type="text/html")),
}


async def _down_state(url: str, tmp_path) -> object:
    target = await load_target(kubeconfig=str(write_kubeconfig(tmp_path / "kubeconfig", url)))
    watch = ClusterWatch(target.api, ClusterModel(), lambda ch: None, options=QUICK)
    watch.start()
    try:
        for _ in range(400):
            st = watch.states.get((SERVICE, None))
            if st is not None and st.state in (RECONNECTING, LOST) and st.error:
                return st
            await asyncio.sleep(0.02)
        raise AssertionError(f"never down: {[s.text for s in watch.states.values()]}")
    finally:
        await watch.stop()
        await target.close()


async def _serving(handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("answer, state, header, whole", [
    # The kubeconfig's user is named: which credential the server refused is what the user must fix.
    ("401", LOST, "credentials rejected for context svctui-sim (user svctui-sim): token expired or invalid",
     "credentials rejected for context svctui-sim"),
    ("503", RECONNECTING, "503 ServiceUnavailable", "the apiserver is shutting down"),
    ("html200", RECONNECTING, "not a Kubernetes API server", "Welcome to nginx"),
    ("html404", LOST, "not a Kubernetes API server", "HTTP 404 text/html"),
])
async def test_a_bad_server_is_named(tmp_path, answer, state, header, whole):
    runner, url = await _serving(ANSWERS[answer])
    try:
        st = await _down_state(url, tmp_path)
    finally:
        await runner.cleanup()
    assert st.state == state, st.text
    assert short_reason(st.error) == header, st.error
    assert whole in st.error


async def test_refused_and_timeout_are_named(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    st = await _down_state(f"http://127.0.0.1:{port}", tmp_path)
    assert st.error == f"connection refused by 127.0.0.1:{port}"
    assert short_reason(st.error) == "connection refused"

    runner, url = await _serving(_hang)
    try:
        st = await _down_state(url, tmp_path)
    finally:
        await runner.cleanup()
    assert short_reason(st.error) == "timeout", st.error


async def test_an_untrusted_certificate_is_named_tls(tmp_path):
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", ANSWERS["401"])
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        # A self-signed certificate the kubeconfig has no CA for.
        st = await _down_state(f"https://127.0.0.1:{port}", tmp_path)
    finally:
        await runner.cleanup()
    assert short_reason(st.error) == "TLS", st.error
    assert "certificate" in st.error
