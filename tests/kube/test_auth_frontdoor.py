"""Credentials against a cluster that checks them: the sim's TLS front door with an exec plugin whose
tokens expire in seconds, watches the server ends every second or two, exec and port-forward, and an
HTTP CONNECT proxy in between. Everything goes through the real path (kubeconfig → client → HTTPS)."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

import aiohttp
import pytest
import yaml

from svctui.kube import api as kapi
from svctui.kube.config import load_target
from svctui.kube.debugpod import DebugSession
from svctui.kube.dns import coredns_pod, lookup
from svctui.kube.portforward import open_forward
from svctui.kube.state import LOST
from svctui.model.store import DELETED, POD

from ..conftest import Kubectl, start_sim
from .conftest import start_harness
from .proxy import Proxy

CONTEXT_USER = "context svctui-sim (user svctui-sim)"
HIDDEN = "svctui-sim.internal"  # in the sim's certificate; resolvable only by the test proxy

# A plugin that, like many, says nothing of when its token expires: the client learns it from a 401.
FORGETFUL = """#!{python}
import json, subprocess, sys
out = json.loads(subprocess.run([{python!r}, "-m", "svctui.sim.credential", *sys.argv[1:]],
                                capture_output=True, check=True).stdout)
out["status"].pop("expirationTimestamp", None)
print(json.dumps(out))
"""


def exec_sim(ttl: float, **opts) -> object:
    return start_sim(tls=True, auth="exec", token_ttl=ttl, **opts)


def forgetful(kubeconfig: Path) -> Path:
    """The sim's kubeconfig with its plugin wrapped so the credential carries no expirationTimestamp."""
    script = kubeconfig.with_name("forgetful-plugin")
    script.write_text(FORGETFUL.format(python=sys.executable))
    script.chmod(0o755)
    cfg = yaml.safe_load(kubeconfig.read_text())
    stanza = cfg["users"][0]["user"]["exec"]
    stanza["args"] = stanza["args"][2:]  # the state file
    stanza["command"] = "./" + script.name  # relative: resolved against the kubeconfig's directory
    kubeconfig.write_text(yaml.safe_dump(cfg))
    return kubeconfig


def kubectl(kubeconfig: Path, tmp_path: Path) -> Kubectl:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    return Kubectl(kubeconfig, tmp_path / "kube-cache")


async def services(t) -> set[str]:
    body = await kapi.get_json(t.api, "/api/v1/namespaces/default/services", [])
    return {i["metadata"]["name"] for i in body["items"]}


async def test_the_plugin_runs_once_at_start_preflight_included(tmp_path):
    from svctui.cli import check_target

    sim = exec_sim(900)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        await asyncio.to_thread(check_target, str(kc), None, None)  # the CLI's check before the screen opens
        assert sim.credential_runs() == 0
        t = await load_target(str(kc))
        try:
            for _ in range(5):
                assert "kubernetes" in await services(t)
            assert sim.credential_runs() == 1
        finally:
            await t.close()
    finally:
        sim.stop()


async def test_a_watch_outlives_many_token_expiries_and_still_sees_a_deletion(tmp_path):
    # Watches end every 1-2 s (timeoutSeconds) and a load balancer cuts every connection after 2.5 s, so
    # the streams re-list and re-watch with whatever credential is current, many times per token.
    sim = exec_sim(2.0, watch_timeout=1.0, connection_lifetime=2.5)
    h = None
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        h = await start_harness(sim, tmp_path, kubeconfig=kc, watch_timeout=(1, 2))
        k = kubectl(kc, tmp_path)
        await asyncio.sleep(7.0)  # three token lifetimes
        await asyncio.to_thread(k, "run", "victim", "--image=busybox", "--restart=Never", "--", "sleep", "3600")
        await h.wait_for(lambda: ("default", "victim") in h.model.store.pods, timeout=10, what="the new pod")
        n = len(h.batches)
        await asyncio.to_thread(k, "delete", "pod", "victim", "--grace-period=0", "--wait=false")
        done = time.monotonic()
        await h.wait_for(lambda: [d for d in h.deltas(POD, n) if d.type == DELETED and d.key == ("default", "victim")],
                         timeout=5, what="the deletion")
        assert time.monotonic() - done < 1.0
        assert not [s for s in h.states if s.state == LOST], [s.text for s in h.states if s.state == LOST]
        runs = h.target.api.credentials.plugin_runs
        assert 3 <= runs <= 6, runs  # one per expiry, not one per request (dozens of watches were opened)
    finally:
        if h is not None:
            await h.close()
        sim.stop()


async def test_a_401_is_retried_once_with_a_re_run_plugin(tmp_path):
    sim = exec_sim(1.5)
    try:
        kc = forgetful(sim.write_kubeconfig(tmp_path / "kubeconfig"))
        t = await load_target(str(kc))
        try:
            assert "kubernetes" in await services(t)
            assert t.api.credentials.plugin_runs == 1
            await asyncio.sleep(2.0)  # the server now refuses the token the client still holds
            assert "kubernetes" in await services(t)  # a 401, the plugin again, the same request again: 200
            assert t.api.credentials.plugin_runs == 2
            assert "kubernetes" in await services(t)
            assert t.api.credentials.plugin_runs == 2
        finally:
            await t.close()
    finally:
        sim.stop()


@pytest.mark.parametrize("plugin,credential", [("expiring", "token"), ("forgetful", "token"), ("expiring", "cert")])
async def test_exec_and_port_forward_after_the_credential_expired(tmp_path, plugin, credential):
    """Each of the websocket paths is the first request after an expiry once: with the forgetful plugin
    that request is the one that meets the 401 and must retry it itself. A plugin's client certificate
    takes new connections (a new TLS handshake) on every path."""
    sim = exec_sim(2.0, exec_credential=credential)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        if plugin == "forgetful":
            forgetful(kc)
        t = await load_target(str(kc))
        session = DebugSession(t.api, session_id="auth")
        try:
            await session.pod("default")
            assert (await session.exec("default", ["sh", "-c", "echo one"])).stdout == b"one\n"
            dns_pod = await coredns_pod(t.api)
            await asyncio.sleep(2.5)
            fwd = await open_forward(t.api, "kube-system", dns_pod, 53)  # the sync client's websocket
            await asyncio.to_thread(fwd.close)
            assert t.api.credentials.plugin_runs == 2
            await asyncio.sleep(2.5)
            assert (await session.exec("default", ["sh", "-c", "echo two"])).stdout == b"two\n"  # aiohttp's
            assert t.api.credentials.plugin_runs == 3
            walk = await lookup(t.api, "kubernetes.default", "default")
            assert walk.resolved and walk.via.startswith("port-forward")
            if plugin == "forgetful":
                await asyncio.sleep(2.5)  # and a caller that has the client decode the answer for it
                got = await t.api.call_api("/api/v1/namespaces/default/services", "GET", response_types_map={200: "object"},
                                           _return_http_data_only=True)
                assert any(i["metadata"]["name"] == "kubernetes" for i in got["items"])
                assert t.api.credentials.plugin_runs == 4
        finally:
            assert await session.close() == ["default/svctui-debug-auth"]
            await t.close()
    finally:
        sim.stop()


@pytest.fixture
def token_sim():
    sim = start_sim(tls=True, auth="token")
    yield sim
    sim.stop()


def bad_token_kubeconfig(sim, tmp_path: Path) -> Path:
    kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
    cfg = yaml.safe_load(kc.read_text())
    cfg["users"][0]["user"]["token"] = "not-the-token"
    kc.write_text(yaml.safe_dump(cfg))
    return kc


async def test_rejected_credentials_are_named_for_the_stream_and_the_header(token_sim, tmp_path):
    from svctui.ui.connection import summary

    kc = bad_token_kubeconfig(token_sim, tmp_path)
    t = await load_target(str(kc))
    try:
        with pytest.raises(kapi.ApiError) as info:
            await services(t)
        assert info.value.code == 401
        assert info.value.message == f"credentials rejected for {CONTEXT_USER}: token expired or invalid"
    finally:
        await t.close()
    from svctui.kube.stream import WatchOptions
    from svctui.kube.watch import ClusterWatch
    from svctui.model.cluster import ClusterModel

    t = await load_target(str(kc))
    states = []
    w = ClusterWatch(t.api, ClusterModel(), lambda ch: None, namespace="default", default_namespace="default",
                     on_state=states.append, options=WatchOptions(backoff_base=0.05, backoff_cap=0.2, seed=1))
    w.start()
    try:
        deadline = time.monotonic() + 5
        while not any(s.state == LOST for s in states) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert summary(w.states.values()).plain == (
            f"✕ lost: credentials rejected for {CONTEXT_USER}: token expired or invalid")
    finally:
        await w.stop()
        await t.close()


def test_the_cli_exits_2_on_rejected_credentials_and_dns_does_not_blame_coredns(token_sim, tmp_path, capsys):
    from svctui.commands import dns, doctor, probe

    kc = str(bad_token_kubeconfig(token_sim, tmp_path))
    for main, argv in ((dns.main, ["kubernetes.default", "--kubeconfig", kc]),
                       (doctor.main, ["--kubeconfig", kc]),
                       (probe.main, ["svc/kubernetes", "--kubeconfig", kc])):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"credentials rejected for {CONTEXT_USER}: token expired or invalid" in err, err
        assert "CoreDNS" not in err and "DNS" not in err


def test_a_failing_plugin_is_one_line_naming_the_command(tmp_path, capsys):
    from svctui.commands import dns

    sim = exec_sim(900)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        cfg = yaml.safe_load(kc.read_text())
        script = tmp_path / "broken-plugin"
        script.write_text("#!/bin/sh\necho 'token service unavailable' >&2\nexit 1\n")
        script.chmod(0o755)
        cfg["users"][0]["user"]["exec"].update(command=str(script), args=[])
        kc.write_text(yaml.safe_dump(cfg))
        assert dns.main(["kubernetes.default", "--kubeconfig", str(kc)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"exec credential plugin {str(script)!r} for {CONTEXT_USER} failed (exit 1): token service unavailable" in err
    finally:
        sim.stop()


@pytest.mark.parametrize("how", ["proxy-url", "HTTPS_PROXY"])
async def test_everything_through_an_authenticating_connect_proxy(tmp_path, monkeypatch, how):
    """The server is named by a host only the proxy resolves (a SAN of the sim's certificate): REST, the
    exec websocket and the sync client's port-forward can only work through the proxy, with its credentials."""
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "WSS_PROXY", "wss_proxy"):
        monkeypatch.delenv(var, raising=False)
    proxy = Proxy(credentials=("ops", "s3cr:et"), hosts={HIDDEN: "127.0.0.1"}).start()
    sim = exec_sim(2.0)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        port = sim.url.rsplit(":", 1)[1]
        cfg = yaml.safe_load(kc.read_text())
        cfg["clusters"][0]["cluster"]["server"] = f"https://{HIDDEN}:{port}"
        via = proxy.url_with_credentials().replace("s3cr:et", "s3cr%3Aet")
        if how == "proxy-url":
            cfg["clusters"][0]["cluster"]["proxy-url"] = via
        else:
            monkeypatch.setenv("HTTPS_PROXY", via)
        kc.write_text(yaml.safe_dump(cfg))
        t = await load_target(str(kc))
        session = DebugSession(t.api, session_id="px")
        try:
            assert "kubernetes" in await services(t)
            await session.pod("default")
            assert (await session.exec("default", ["sh", "-c", "echo via"])).stdout == b"via\n"
            await asyncio.sleep(2.2)  # expired: the refreshed credential goes the same way
            walk = await lookup(t.api, "kubernetes.default", "default")
            assert walk.resolved and walk.via.startswith("port-forward")
            assert (await session.exec("default", ["sh", "-c", "echo again"])).stdout == b"again\n"
        finally:
            assert await session.close() == ["default/svctui-debug-px"]
            await t.close()
        assert proxy.refused == 0
        assert proxy.seen and {(s.method, s.target) for s in proxy.seen} == {("CONNECT", f"{HIDDEN}:{port}")}
    finally:
        sim.stop()
        proxy.stop()


async def test_no_proxy_naming_the_server_goes_straight_to_it(tmp_path, monkeypatch):
    for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    proxy = Proxy().start()
    sim = exec_sim(900)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        t = await load_target(str(kc))
        session = DebugSession(t.api, session_id="np")
        try:
            assert "kubernetes" in await services(t)
            await session.pod("default")
            assert (await session.exec("default", ["true"])).exit_code == 0
            assert (await lookup(t.api, "kubernetes.default", "default")).resolved
        finally:
            await session.close()
            await t.close()
        assert proxy.seen == []
    finally:
        sim.stop()
        proxy.stop()


async def test_wrong_proxy_credentials_are_refused_by_the_proxy(tmp_path):
    proxy = Proxy(credentials=("ops", "right")).start()
    sim = exec_sim(900)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        cfg = yaml.safe_load(kc.read_text())
        cfg["clusters"][0]["cluster"]["proxy-url"] = f"http://ops:wrong@127.0.0.1:{proxy.port}"
        kc.write_text(yaml.safe_dump(cfg))
        t = await load_target(str(kc))
        try:
            with pytest.raises(Exception) as info:
                await services(t)
            assert "407" in str(info.value)
        finally:
            await t.close()
        assert proxy.refused >= 1
    finally:
        sim.stop()
        proxy.stop()


async def test_tls_server_name_is_what_every_path_verifies(tmp_path):
    """The server is dialled at 127.0.0.1 (a SAN of the sim's certificate too): only a name the
    certificate lacks shows that each path checks tls-server-name rather than the address."""
    from svctui.kube.portforward import PortForwardError

    sim = exec_sim(900)
    try:
        good = await load_target(str(sim.write_kubeconfig(tmp_path / "good", server_name=HIDDEN)))
        session = DebugSession(good.api, session_id="sni")
        try:
            assert good.api.transport.server_name == HIDDEN
            assert "kubernetes" in await services(good)
            await session.pod("default")
            assert (await session.exec("default", ["true"])).exit_code == 0
            assert (await lookup(good.api, "kubernetes.default", "default")).resolved
        finally:
            await session.close()
            await good.close()
        bad = await load_target(str(sim.write_kubeconfig(tmp_path / "bad", server_name="not-in-the-cert.example")))
        try:
            with pytest.raises(aiohttp.ClientConnectorCertificateError, match="not-in-the-cert.example"):
                await services(bad)
            with pytest.raises(aiohttp.ClientConnectorCertificateError, match="not-in-the-cert.example"):
                await bad.api.ws_connect("/api/v1/namespaces/default/pods/x/exec", [("command", "true")], "v4.channel.k8s.io")
            with pytest.raises(PortForwardError, match="not-in-the-cert.example"):
                await open_forward(bad.api, "kube-system", "coredns", 53)
        finally:
            await bad.close()
    finally:
        sim.stop()


async def test_the_exit_cleanup_removes_the_debug_pod_after_the_token_expired(tmp_path):
    """The signal/atexit path cannot await the loop: the sync client runs the plugin itself when due."""
    sim = exec_sim(2.0)
    try:
        t = await load_target(str(sim.write_kubeconfig(tmp_path / "kubeconfig")))
        session = DebugSession(t.api, session_id="bye")
        try:
            await session.pod("default")
            runs = t.api.credentials.plugin_runs
            await asyncio.sleep(2.5)
            # The app quits in this order: its API client is closed before the debug pods are removed.
            await t.close()
            assert await asyncio.to_thread(session.cleanup_sync) == ["default/svctui-debug-bye"]
            assert t.api.credentials.plugin_runs == runs + 1
        finally:
            await session.close()
            await t.close()
    finally:
        sim.stop()


async def test_insecure_skip_tls_verify_on_every_path_and_without_it_the_ca_is_needed(tmp_path):
    sim = exec_sim(900)
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        cfg = yaml.safe_load(kc.read_text())
        cfg["clusters"][0]["cluster"].pop("certificate-authority-data")
        kc.write_text(yaml.safe_dump(cfg))
        t = await load_target(str(kc))
        try:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await services(t)
        finally:
            await t.close()
        cfg["clusters"][0]["cluster"]["insecure-skip-tls-verify"] = True
        kc.write_text(yaml.safe_dump(cfg))
        t = await load_target(str(kc))
        session = DebugSession(t.api, session_id="insecure")
        try:
            assert "kubernetes" in await services(t)
            await session.pod("default")
            assert (await session.exec("default", ["true"])).exit_code == 0
            assert (await lookup(t.api, "kubernetes.default", "default")).resolved
        finally:
            await session.close()
            await t.close()
    finally:
        sim.stop()


async def test_a_pod_deletion_after_the_token_expired_is_retried_with_a_fresh_one(tmp_path):
    from svctui.kube.actions import PodRef, delete_pod

    sim = exec_sim(1.5)
    try:
        t = await load_target(str(forgetful(sim.write_kubeconfig(tmp_path / "kubeconfig"))))
        try:
            body = await kapi.get_json(t.api, "/api/v1/namespaces/kube-system/pods", [])
            victim = body["items"][0]["metadata"]
            await asyncio.sleep(2.0)
            result = await delete_pod(t.api, PodRef("kube-system", victim["name"], victim["uid"]), read_only=False)
            assert result.ok, result.error
            assert t.api.credentials.plugin_runs == 2
        finally:
            await t.close()
    finally:
        sim.stop()
