"""The sim's front door as real clients meet it: unmodified kubectl, aiohttp and kubernetes_asyncio over
HTTPS with the sim's CA, each kind of credential, the apiserver's 401, expiring exec tokens, the
--min-request-timeout end of watches and a load balancer cutting connections."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
import yaml
from kubernetes_asyncio import client as aclient
from kubernetes_asyncio import config as aconfig
from kubernetes_asyncio.client.rest import ApiException

from svctui.sim import resources as R
from svctui.sim.frontdoor import UNAUTHORIZED_BODY

from ..conftest import Kubectl, make_kubectl, start_sim
from .simshell import wait_ready

pytestmark = pytest.mark.kubectl

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def pod(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def ssl_for(sim) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=sim.ca_pem.decode())


def edit_user(cfg: Path, user: dict, out: Path) -> Path:
    doc = yaml.safe_load(cfg.read_text())
    doc["users"][0]["user"] = user
    out.write_text(yaml.safe_dump(doc))
    return out


def token_of(cfg: Path) -> str:
    """What the kubeconfig's exec plugin answers, run as client-go runs it (one more logged run)."""
    stanza = yaml.safe_load(cfg.read_text())["users"][0]["user"]["exec"]
    info = json.dumps({"kind": "ExecCredential", "apiVersion": stanza["apiVersion"], "spec": {"interactive": False}})
    out = subprocess.run([stanza["command"], *stanza["args"]], capture_output=True, text=True, check=True,
                         env=dict(os.environ, KUBERNETES_EXEC_INFO=info))
    cred = json.loads(out.stdout)
    assert cred["kind"] == "ExecCredential" and cred["apiVersion"] == stanza["apiVersion"]
    return cred["status"]["token"]


@pytest.fixture(scope="module")
def demo_secure():
    """One demo cluster for the read-only kubectl checks (each credential kind gets its own sim below)."""
    s = start_sim(["demo"], tls=True, auth="token")
    wait_ready(s, "default", "app", "nginx", 3)
    yield s
    s.stop()


@pytest.mark.parametrize("auth,extra", [
    ("token", {}),
    ("cert", {}),
    ("exec", {"exec_api_version": V1}),
    ("exec", {"exec_api_version": V1BETA1}),
    ("exec", {"exec_credential": "cert"}),
], ids=["token", "cert", "exec-v1", "exec-v1beta1", "exec-cert"])
def test_kubectl_get_pods_with_each_credential(auth, extra, tmp_path):
    sim = start_sim(["demo"], tls=True, auth=auth, **extra)
    try:
        assert sim.url.startswith("https://127.0.0.1:")
        wait_ready(sim, "default", "app", "nginx", 3)
        kubectl = make_kubectl(sim, tmp_path)
        user = yaml.safe_load(Path(kubectl.env["KUBECONFIG"]).read_text())["users"][0]["user"]
        out = kubectl("get", "pods", "-n", "default", "-l", "app=nginx", "-o", "name")
        assert len(out.split()) == 3 and all(n.startswith("pod/nginx-") for n in out.split())
        if auth == "exec":
            assert user["exec"]["apiVersion"] == extra.get("exec_api_version", V1)
            assert ("interactiveMode" in user["exec"]) == (user["exec"]["apiVersion"] == V1)
            assert sim.credential_runs() == 1
            mode = (Path(kubectl.env["KUBECONFIG"]).parent / "kubeconfig.credential.json").stat().st_mode & 0o777
            assert mode == 0o600
        else:
            assert sim.credential_runs() == 0
            assert set(user) == ({"token"} if auth == "token" else {"client-certificate-data", "client-key-data"})
    finally:
        sim.stop()


def test_kubectl_without_valid_credentials_shows_unauthorized(demo_secure, tmp_path):
    good = make_kubectl(demo_secure, tmp_path)
    cfg = Path(good.env["KUBECONFIG"])
    # No credentials at all: kubectl would prompt on stdin for a username, so it is given one; the
    # basic auth it then sends is refused as the apiserver refuses it (basic auth is gone since 1.19).
    none = Kubectl(edit_user(cfg, {}, tmp_path / "none"), tmp_path / "cache")
    r = none.run("get", "pods", "--username=someone", "--password=x", check=False)
    assert r.returncode == 1
    assert "error: You must be logged in to the server (the server has asked for the client to provide credentials)" in r.stderr
    wrong = Kubectl(edit_user(cfg, {"token": "not-the-token"}, tmp_path / "wrong"), tmp_path / "cache")
    r = wrong.run("get", "pods", check=False)
    assert r.returncode == 1 and "You must be logged in to the server" in r.stderr
    assert good("get", "pods", "-o", "name").count("pod/") >= 3


def test_kubectl_rejects_a_server_its_ca_did_not_sign(demo_secure, tmp_path):
    other = start_sim(["empty"], tls=True, auth="token")
    try:
        cfg = Path(make_kubectl(demo_secure, tmp_path).env["KUBECONFIG"])
        doc = yaml.safe_load(cfg.read_text())
        other_cfg = yaml.safe_load(other.write_kubeconfig(tmp_path / "other").read_text())
        doc["clusters"][0]["cluster"]["certificate-authority-data"] = other_cfg["clusters"][0]["cluster"]["certificate-authority-data"]
        (tmp_path / "wrong-ca").write_text(yaml.safe_dump(doc))
        r = Kubectl(tmp_path / "wrong-ca", tmp_path / "cache").run("get", "pods", check=False)
        assert r.returncode == 1
        assert "x509: certificate signed by unknown authority" in r.stderr
    finally:
        other.stop()


@pytest.mark.parametrize("name", ["svctui-sim.internal", "kubernetes.default.svc", "localhost"])
def test_tls_server_name_from_the_certificate(demo_secure, tmp_path, name):
    cfg = demo_secure.write_kubeconfig(tmp_path / "kc", namespace="demo", server_name=name)
    assert yaml.safe_load(cfg.read_text())["clusters"][0]["cluster"]["tls-server-name"] == name
    assert Kubectl(cfg, tmp_path / "cache")("get", "ns", "default", "-o", "name") == "namespace/default\n"
    # The context's namespace: `get services` without -n lists demo's.
    assert "service/db" in Kubectl(cfg, tmp_path / "cache")("get", "services", "-o", "name").split()


def test_tls_server_name_not_in_the_certificate_fails(demo_secure, tmp_path):
    cfg = demo_secure.write_kubeconfig(tmp_path / "kc", server_name="api.example.com")
    r = Kubectl(cfg, tmp_path / "cache").run("get", "ns", check=False)
    assert r.returncode == 1
    assert "x509: certificate is valid for" in r.stderr and "not api.example.com" in r.stderr


# Every kind of request is authenticated: REST, list, watch, the websocket subresources, discovery, openapi.
GUARDED = [
    ("GET", "/api/v1/namespaces/default/pods", {}),
    ("GET", "/api/v1/pods?watch=true", {}),
    ("POST", "/api/v1/namespaces/default/configmaps", {"Content-Type": "application/json"}),
    ("GET", "/api/v1/namespaces/default/pods/x/exec?command=sh&stdout=true",
     {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v5.channel.k8s.io"}),
    ("GET", "/api/v1/namespaces/default/pods/x/portforward?ports=80",
     {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v4.channel.k8s.io"}),
    ("GET", "/api", {}), ("GET", "/apis", {}), ("GET", "/openapi/v3", {}), ("GET", "/version", {}),
    ("GET", "/no/such/path", {}),
]


async def test_unauthenticated_requests_get_the_apiservers_401(demo_secure):
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(demo_secure))) as s:
        for method, path, headers in GUARDED:
            for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic c29tZW9uZTp4"},
                         {"Authorization": "Bearer"}, {"Authorization": "Bearer t\u00f6ken"}):
                async with s.request(method, demo_secure.url + path, headers={**headers, **auth}, data=b"{}" if method == "POST" else None) as r:
                    body = await r.read()
                    assert (r.status, body) == (401, UNAUTHORIZED_BODY), (method, path, auth)
                    assert r.headers["Content-Type"] == "application/json"
        # As on a cluster whose anonymous auth is limited to the health checks (KEP-4633); a bad token is
        # not taken for anonymous, a Basic header is no credential at all.
        for path in ("/healthz", "/livez", "/readyz"):
            for auth in ({}, {"Authorization": "Basic c29tZW9uZTp4"}):
                async with s.get(demo_secure.url + path, headers=auth) as r:
                    assert (r.status, await r.text()) == (200, "ok")
            async with s.get(demo_secure.url + path, headers={"Authorization": "Bearer wrong"}) as r:
                assert (r.status, await r.read()) == (401, UNAUTHORIZED_BODY)
    assert UNAUTHORIZED_BODY == (b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                                 b'"message":"Unauthorized","reason":"Unauthorized","code":401}\n')
    assert json.loads(UNAUTHORIZED_BODY) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                             "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def test_expired_exec_token_is_refused_and_kubectl_reruns_the_plugin(tmp_path):
    sim = start_sim(["empty"], tls=True, auth="exec", token_ttl=2)
    try:
        kubectl = make_kubectl(sim, tmp_path)
        cfg = Path(kubectl.env["KUBECONFIG"])
        assert kubectl("get", "ns", "default", "-o", "name") == "namespace/default\n"
        assert sim.credential_runs() == 1
        token = token_of(cfg)
        assert sim.credential_runs() == 2

        async def status() -> int:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(sim))) as s:
                async with s.get(sim.url + "/api/v1/namespaces", headers={"Authorization": f"Bearer {token}"}) as r:
                    return r.status

        assert asyncio.run(status()) == 200
        time.sleep(3.1)  # whole seconds: the token expires at most 2 s after it was minted
        assert asyncio.run(status()) == 401
        assert kubectl("get", "ns", "default", "-o", "name") == "namespace/default\n"
        assert sim.credential_runs() == 3
    finally:
        sim.stop()


def test_open_watch_outlives_its_token(tmp_path):
    """Authentication happens when a request starts: a watch opened with a token that then expires
    goes on streaming (the apiserver does not re-check it)."""
    sim = start_sim(["empty"], tls=True, auth="exec", token_ttl=2)
    try:
        kubectl = make_kubectl(sim, tmp_path)
        proc = kubectl.popen("get", "pods", "-n", "default", "--watch", "-o", "name")
        try:
            deadline = time.time() + 10
            while sim.call(lambda c: c.server.hub.count()) == 0:
                assert time.time() < deadline, "kubectl's watch did not open"
                time.sleep(0.05)
            time.sleep(3.1)
            sim.call(lambda c: c.api.create(R.PODS, "default", pod("after-expiry")))
            assert proc.stdout.readline() == "pod/after-expiry\n"
        finally:
            proc.kill()
            proc.wait()
        assert sim.credential_runs() == 1
    finally:
        sim.stop()


def test_kubectl_exec_and_watch_over_tls_and_exec_auth(tmp_path):
    sim = start_sim(["demo"], tls=True, auth="exec")
    try:
        name = wait_ready(sim, "default", "app", "nginx", 3)[0]["metadata"]["name"]
        kubectl = make_kubectl(sim, tmp_path)
        assert kubectl("exec", name, "--", "sh", "-c", "echo over; hostname") == f"over\n{name}\n"
        r = kubectl.run("exec", "-i", name, "--", "cat", input="stdin too\n")
        assert r.stdout == "stdin too\n"
        proc = kubectl.popen("get", "configmaps", "-n", "default", "--watch", "-o", "name", "--request-timeout=20s")
        try:
            deadline = time.time() + 10
            while sim.call(lambda c: c.server.hub.count()) == 0:
                assert time.time() < deadline
                time.sleep(0.05)
            kubectl("create", "configmap", "seen", "-n", "default")
            lines = []
            while "configmap/seen\n" not in lines:
                line = proc.stdout.readline()
                assert line, f"the watch ended before the new configmap: {lines}"
                lines.append(line)
        finally:
            proc.kill()
            proc.wait()
    finally:
        sim.stop()


def test_watch_timeout_ends_kubectl_watch_within_s_to_2s(tmp_path):
    sim = start_sim(["empty"], tls=True, auth="exec", watch_timeout=2)
    try:
        kubectl = make_kubectl(sim, tmp_path)
        started = time.monotonic()
        r = kubectl.run("get", "namespaces", "--watch", "-o", "name", timeout=30)
        took = time.monotonic() - started
        # kubectl get --watch exits when the server ends the watch, as it does on a real cluster.
        assert r.returncode == 0, r.stderr
        assert "namespace/default\n" in r.stdout
        assert 2.0 <= took < 4.0 + 1.0, took  # +1: kubectl's start and its list before the watch
    finally:
        sim.stop()


async def test_watch_timeout_ends_watches_cleanly_at_random_in_s_to_2s():
    sim = start_sim(["empty"], tls=True, auth="token", watch_timeout=1.5)
    token = sim.call(lambda c: c.frontdoor.static_token)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(sim), limit=0),
                                         headers={"Authorization": f"Bearer {token}"}) as s:
            async def one(params: dict) -> float:
                t0 = time.monotonic()
                async with s.get(sim.url + "/api/v1/namespaces", params={"watch": "true", **params}) as r:
                    assert r.status == 200
                    body = await r.read()  # raises ClientPayloadError if the chunked body is not ended cleanly
                assert body.count(b"\n") == 5  # the 5 namespaces (kind's local-path-storage too) as ADDED, then the end
                return time.monotonic() - t0

            took = await asyncio.gather(*[one({}) for _ in range(6)], one({"timeoutSeconds": "0"}))
        assert all(1.5 <= t < 3.0 + 0.5 for t in took), took  # +0.5: connecting on a loaded machine
        assert max(took) - min(took) > 0.05, took  # random, not one fixed duration
    finally:
        sim.stop()


async def test_connection_lifetime_cuts_a_watch_mid_stream():
    sim = start_sim(["empty"], tls=True, auth="token", connection_lifetime=1.0)
    token = sim.call(lambda c: c.frontdoor.static_token)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(sim)),
                                         headers={"Authorization": f"Bearer {token}"}) as s:
            t0 = time.monotonic()
            with pytest.raises((aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
                async with s.get(sim.url + "/api/v1/namespaces", params={"watch": "true", "timeoutSeconds": "30"}) as r:
                    assert r.status == 200
                    while await r.content.readline():
                        pass
            took = time.monotonic() - t0
            assert 0.9 <= took < 2.0, took
            # A new connection works again (and is cut in its turn).
            async with s.get(sim.url + "/api/v1/namespaces", headers={"Connection": "close"}) as r:
                assert r.status == 200
    finally:
        sim.stop()


def test_kubectl_watch_is_cut_by_the_load_balancer(tmp_path):
    sim = start_sim(["empty"], tls=True, auth="exec", connection_lifetime=1.5)
    try:
        kubectl = make_kubectl(sim, tmp_path)
        started = time.monotonic()
        r = kubectl.run("get", "namespaces", "--watch", "-o", "name", check=False, timeout=30)
        took = time.monotonic() - started
        assert "namespace/default\n" in r.stdout
        assert took < 5.0, took  # cut, not the 30-60 min a watch lasts otherwise
    finally:
        sim.stop()


async def test_kubernetes_asyncio_over_tls_with_a_token(demo_secure, tmp_path):
    cfg = demo_secure.write_kubeconfig(tmp_path / "kc")
    api_client = await aconfig.new_client_from_config(config_file=str(cfg))
    try:
        pods = await aclient.CoreV1Api(api_client).list_namespaced_pod("default", label_selector="app=nginx")
        assert len(pods.items) == 3
    finally:
        await api_client.close()
    bad = edit_user(cfg, {"token": "expired-or-wrong"}, tmp_path / "bad")
    api_client = await aconfig.new_client_from_config(config_file=str(bad))
    try:
        with pytest.raises(ApiException) as exc:
            await aclient.CoreV1Api(api_client).list_namespaced_pod("default")
        assert exc.value.status == 401
        assert json.loads(exc.value.body)["reason"] == "Unauthorized"
    finally:
        await api_client.close()


def test_svctui_sim_command_serves_the_front_door(tmp_path):
    """The `svctui sim` path (serve(), not SimThread): flags → HTTPS + exec kubeconfig that kubectl uses."""
    cfg = tmp_path / "sim.kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "svctui", "sim", "--tls", "--auth", "exec", "--token-ttl", "60",
                             "--exec-api-version", V1BETA1, "--watch-timeout", "1", "--kubeconfig", str(cfg),
                             "--speed", "0.05"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("svctui sim: serving the Kubernetes API at https://127.0.0.1:"), line + proc.stderr.read()
        assert "(exec authentication)" in line
        user = yaml.safe_load(cfg.read_text())["users"][0]["user"]
        assert user["exec"]["apiVersion"] == V1BETA1
        kubectl = Kubectl(cfg, tmp_path / "cache")
        assert kubectl("get", "ns", "default", "-o", "name") == "namespace/default\n"
        started = time.monotonic()
        kubectl("get", "ns", "--watch", "-o", "name", timeout=20)
        assert time.monotonic() - started < 2.0 + 1.0
        assert len((tmp_path / "sim.kubeconfig.credential.log").read_text().splitlines()) == 2
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0


@pytest.mark.parametrize("args,message", [
    (["--auth", "cert"], "svctui sim: error: client certificates need TLS: add --tls\n"),
    (["--auth", "exec", "--exec-credential", "cert"], "svctui sim: error: client certificates need TLS: add --tls\n"),
    (["--token-ttl", "0"], "--token-ttl: must be greater than 0"),
    (["--auth", "basic"], "argument --auth: invalid choice: 'basic'"),
])
def test_svctui_sim_refuses_options_that_cannot_work(args, message):
    r = subprocess.run([sys.executable, "-m", "svctui", "sim", *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert r.stdout == ""


async def test_websocket_exec_with_the_bearer_subprotocol(demo_secure):
    """The token may ride in a websocket subprotocol (how browsers authenticate exec): kube-apiserver's
    protocol authenticator; a wrong one is a 401 before the upgrade."""
    import base64

    token = demo_secure.call(lambda c: c.frontdoor.static_token)
    name = wait_ready(demo_secure, "default", "app", "nginx", 3)[0]["metadata"]["name"]
    url = f"{demo_secure.url}/api/v1/namespaces/default/pods/{name}/exec?command=echo&command=hi&stdout=true"

    def bearer(t: str) -> str:
        return "base64url.bearer.authorization.k8s.io." + base64.urlsafe_b64encode(t.encode()).decode().rstrip("=")

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(demo_secure))) as s:
        async with s.ws_connect(url, protocols=("v5.channel.k8s.io", bearer(token))) as ws:
            assert ws.protocol == "v5.channel.k8s.io"
            out = b""
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.BINARY and msg.data[:1] == b"\x01":
                    out += msg.data[1:]
        assert out == b"hi\n"
        with pytest.raises(aiohttp.WSServerHandshakeError) as exc:
            async with s.ws_connect(url, protocols=("v5.channel.k8s.io", bearer("wrong"))):
                pass
        assert exc.value.status == 401


async def test_forged_and_garbled_exec_tokens_are_refused(tmp_path):
    sim = start_sim(["empty"], tls=True, auth="exec")
    try:
        good = token_of(sim.write_kubeconfig(tmp_path / "kc"))
        body, sig = good[len("svctui-sim-v1."):].split(".")
        forged = "svctui-sim-v1." + body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + sig
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(sim))) as s:
            for token, want in ((good, 200), (forged, 401), ("svctui-sim-v1.\u00e9.\u00e9", 401),
                                ("svctui-sim-v1.x", 401), ("svctui-sim-v1.." + sig, 401)):
                async with s.get(sim.url + "/api/v1/namespaces", headers={"Authorization": f"Bearer {token}"}) as r:
                    assert r.status == want, token
    finally:
        sim.stop()


def test_credential_plugin_errors_are_one_line(tmp_path):
    for args, rc, msg in (([], 2, "usage: python -m svctui.sim.credential STATE.json"),
                          ([str(tmp_path / "missing.json")], 1, "svctui sim credential: cannot read"),
                          ([str(tmp_path / "garbage.json")], 1, "svctui sim credential: cannot read"),
                          ([str(tmp_path / "partial.json")], 1, "svctui sim credential: ")):
        (tmp_path / "garbage.json").write_text("{not json")
        (tmp_path / "partial.json").write_text('{"user": "u"}')
        r = subprocess.run([sys.executable, "-m", "svctui.sim.credential", *args], capture_output=True, text=True, timeout=30)
        assert (r.returncode, r.stdout) == (rc, "") and r.stderr.startswith(msg) and r.stderr.count("\n") == 1, r.stderr


async def test_kubernetes_asyncio_runs_the_exec_plugin(secure_sim, secure_kubeconfig):
    api_client = await aconfig.new_client_from_config(config_file=str(secure_kubeconfig))
    try:
        names = [n.metadata.name for n in (await aclient.CoreV1Api(api_client).list_namespace()).items]
        assert "kube-system" in names
    finally:
        await api_client.close()
    assert secure_sim.url.startswith("https://") and secure_sim.credential_runs() == 1


async def test_expired_client_certificate_is_refused_on_a_kept_alive_connection(tmp_path):
    """The exec plugin's client certificate lives --token-ttl seconds; the apiserver checks it on each
    request, so the connection that presented it gets a 401 once it has expired."""
    sim = start_sim(["empty"], tls=True, auth="exec", exec_credential="cert", token_ttl=2)
    try:
        stanza = yaml.safe_load(sim.write_kubeconfig(tmp_path / "kc").read_text())["users"][0]["user"]["exec"]
        out = subprocess.run([stanza["command"], *stanza["args"]], capture_output=True, text=True, check=True)
        status = json.loads(out.stdout)["status"]
        assert set(status) == {"clientCertificateData", "clientKeyData", "expirationTimestamp"}
        (tmp_path / "c.crt").write_text(status["clientCertificateData"])
        (tmp_path / "c.key").write_text(status["clientKeyData"])
        ctx = ssl_for(sim)
        ctx.load_cert_chain(tmp_path / "c.crt", tmp_path / "c.key")
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx, limit=1)) as s:
            async with s.get(sim.url + "/api/v1/namespaces") as r:
                assert r.status == 200
                await r.read()
            await asyncio.sleep(3.1)
            async with s.get(sim.url + "/api/v1/namespaces") as r:
                assert (r.status, await r.read()) == (401, UNAUTHORIZED_BODY)
        # No certificate at all: the token path, and there is no token either.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ssl_for(sim))) as s:
            async with s.get(sim.url + "/api/v1/namespaces") as r:
                assert r.status == 401
    finally:
        sim.stop()
