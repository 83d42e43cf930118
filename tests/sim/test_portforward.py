"""pods/portforward (v4 channels): the sync client's portforward, DNS over TCP to CoreDNS, HTTP, errors."""

from __future__ import annotations

import asyncio

import aiohttp
import dns.message
import dns.query
import dns.rcode

from svctui.sim import resources as R

from .simshell import wait_ready


def _api(sim, tmp_path):
    from kubernetes import client, config

    from svctui.sim.runner import write_kubeconfig

    cfg = write_kubeconfig(tmp_path / "kc", sim.url)
    return client.CoreV1Api(api_client=config.new_client_from_config(config_file=str(cfg)))


def test_dns_over_port_forwarded_coredns(demo_sim, tmp_path):
    from kubernetes.stream import portforward

    coredns = wait_ready(demo_sim, "kube-system", "k8s-app", "kube-dns", 1)[0]["metadata"]["name"]
    api = _api(demo_sim, tmp_path)
    pf = portforward(api.connect_get_namespaced_pod_portforward, coredns, "kube-system", ports="53")
    sock = pf.socket(53)
    sock.settimeout(10)
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "demo", "db")["spec"]["clusterIP"])
    r = dns.query.tcp(dns.message.make_query("db.demo.svc.cluster.local.", "A"), "127.0.0.1", timeout=10, sock=sock)
    assert [rd.address for rd in r.answer[0]] == [ip]
    r = dns.query.tcp(dns.message.make_query("nope.demo.svc.cluster.local.", "A"), "127.0.0.1", timeout=10, sock=sock)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert pf.error(53) is None
    sock.close()
    pf.close()


def test_http_to_nginx_and_refused_port(demo_sim, tmp_path):
    from kubernetes.stream import portforward

    nginx = wait_ready(demo_sim, "default", "app", "nginx", 1)[0]["metadata"]["name"]
    api = _api(demo_sim, tmp_path)
    pf = portforward(api.connect_get_namespaced_pod_portforward, nginx, "default", ports="80,8080")
    sock = pf.socket(80)
    sock.settimeout(10)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"</html>" not in data:
        chunk = sock.recv(65536)
        assert chunk
        data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\n") and b"<title>Welcome to nginx!</title>" in data
    assert pf.error(80) is None
    err = None
    for _ in range(100):
        err = pf.error(8080)
        if err:
            break
        asyncio.run(asyncio.sleep(0.05))
    assert err is not None and "error forwarding port 8080 to pod" in err
    assert "dial tcp4 127.0.0.1:8080: connect: connection refused" in err
    sock.close()
    pf.close()


def test_handshake_chooses_v4_and_sends_port_prefixes(demo_sim):
    coredns = wait_ready(demo_sim, "kube-system", "k8s-app", "kube-dns", 1)[0]["metadata"]["name"]
    url = f"{demo_sim.url}/api/v1/namespaces/kube-system/pods/{coredns}/portforward?ports=53&ports=9153"

    async def go():
        async with aiohttp.ClientSession() as s:
            async with s.ws_connect(url, protocols=("v5.channel.k8s.io", "v4.channel.k8s.io")) as ws:
                chosen = ws.protocol
                first = [bytes((await ws.receive()).data) for _ in range(4)]
                await ws.send_bytes(b"\x02GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                reply = bytes((await ws.receive()).data)
            async with s.ws_connect(url, protocols=("v4.base64.channel.k8s.io",)) as ws:
                b64 = (ws.protocol, (await ws.receive()).data)
            async with s.get(url) as r:
                plain = (r.status, await r.json())
        return chosen, first, reply, b64, plain

    chosen, first, reply, b64, plain = asyncio.run(go())
    assert chosen == "v4.channel.k8s.io"
    assert first == [b"\x00\x35\x00", b"\x01\x35\x00", b"\x02\xc1\x23", b"\x03\xc1\x23"]
    assert reply[0] == 2 and reply[1:].startswith(b"HTTP/1.1 200 OK") and b"coredns_build_info" in reply
    assert b64 == ("v4.base64.channel.k8s.io", "0NQA=")
    assert plain[0] == 400 and "websockets only" in plain[1]["message"]
