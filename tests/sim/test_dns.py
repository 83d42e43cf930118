"""The cluster DNS: records per the DNS spec, busybox nslookup and dig output, and CoreDNS going away."""

from __future__ import annotations

import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from svctui.sim import dns as D
from svctui.sim import resources as R

from .simshell import make_pod, run_in, wait_ready


def ask(sim, name: str, rdtype: str):
    return sim.call(lambda c: c.parts.dns.query(dns.message.make_query(name, rdtype)))


def test_records_from_the_store(demo_sim):
    wait_ready(demo_sim, "default", "app", "database", 3)
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "demo", "db")["spec"]["clusterIP"])
    r = ask(demo_sim, "db.demo.svc.cluster.local.", "A")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
    assert [rd.address for rd in r.answer[0]] == [ip] and r.answer[0].ttl == 30
    r = ask(demo_sim, "db.demo.svc.cluster.local.", "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority[0].rdtype == dns.rdatatype.SOA
    assert ask(demo_sim, "db.default.svc.cluster.local.", "A").rcode() == dns.rcode.NXDOMAIN
    r = ask(demo_sim, "_postgres._tcp.db.demo.svc.cluster.local.", "SRV")
    assert [rd.to_text() for rd in r.answer[0]] == ["0 100 5432 db.demo.svc.cluster.local."]
    # Headless: one A per ready endpoint, per-pod names, SRV targets per pod.
    ips = sorted(p["status"]["podIP"] for p in wait_ready(demo_sim, "default", "app", "database", 3))
    r = ask(demo_sim, "database-headless.default.svc.cluster.local.", "A")
    assert sorted(rd.address for rd in r.answer[0]) == ips
    r = ask(demo_sim, "database-0.database-headless.default.svc.cluster.local.", "A")
    assert len(r.answer[0]) == 1 and r.answer[0][0].address in ips
    r = ask(demo_sim, "_postgres._tcp.database-headless.default.svc.cluster.local.", "SRV")
    assert sorted(rd.target.to_text() for rd in r.answer[0]) == [
        f"database-{i}.database-headless.default.svc.cluster.local." for i in range(3)]
    # ExternalName, PTR, the spec version.
    r = ask(demo_sim, "external-db.default.svc.cluster.local.", "A")
    assert r.answer[0].rdtype == dns.rdatatype.CNAME and r.answer[0][0].target.to_text() == "database.example.com."
    rev = dns.reversename.from_address(ip).to_text()
    assert ask(demo_sim, rev, "PTR").answer[0][0].target.to_text() == "db.demo.svc.cluster.local."
    assert ask(demo_sim, "dns-version.cluster.local.", "TXT").answer[0][0].to_text() == '"1.1.0"'
    # Outside the cluster: a small fixed table, else NXDOMAIN.
    assert ask(demo_sim, "example.com.", "A").answer[0][0].address == "93.184.215.14"
    assert ask(demo_sim, "no-such-name.invalid.", "A").rcode() == dns.rcode.NXDOMAIN


def test_nslookup_right_and_wrong_namespace(demo_sim, demo_kubectl):
    def nslookup(name: str):
        return demo_kubectl.run("run", "ns" + str(abs(hash(name)) % 10000), "--rm", "-i", "--restart=Never",
                                "--image=busybox:1.36", "--", "nslookup", name, check=False)

    r = nslookup("db")
    assert "Name:" not in r.stdout
    assert "** server can't find db.default.svc.cluster.local: NXDOMAIN" in r.stdout and r.returncode == 1
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "demo", "db")["spec"]["clusterIP"])
    r = nslookup("db.demo.svc.cluster.local")
    assert r.stdout.startswith("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n"
                               f"Name:\tdb.demo.svc.cluster.local\nAddress: {ip}\n\n\n")
    assert r.returncode == 0
    # busybox applies no search list to a name with a dot: "db.demo" is NXDOMAIN in busybox nslookup,
    # while libc-based tools (wget) resolve it through the search path.
    make_pod(demo_sim, "default", "bb", "busybox:1.36", ["sleep", "3600"])
    code, out, _ = run_in(demo_sim, "default", "bb", ["nslookup", "db.demo"])
    assert code == 1 and "** server can't find db.demo: NXDOMAIN" in out
    code, _, err = run_in(demo_sim, "default", "bb", ["wget", "-qO-", "http://db.demo:5432"])
    assert "bad address" not in err


def test_nslookup_headless_and_externalname(demo_sim):
    pods = wait_ready(demo_sim, "default", "app", "database", 3)
    make_pod(demo_sim, "default", "bb", "busybox:1.36", ["sleep", "3600"])
    code, out, _ = run_in(demo_sim, "default", "bb", ["nslookup", "database-headless"])
    for p in pods:
        assert f"Address: {p['status']['podIP']}\n" in out
    assert out.count("Name:\tdatabase-headless.default.svc.cluster.local\n") == 3
    code, out, _ = run_in(demo_sim, "default", "bb", ["nslookup", "external-db"])
    assert "external-db.default.svc.cluster.local\tcanonical name = database.example.com\n" in out


def test_dig_srv_and_short(demo_sim, demo_kubectl):
    make_pod(demo_sim, "default", "shoot", "nicolaka/netshoot:v0.13", ["sleep", "3600"])
    code, out, _ = run_in(demo_sim, "default", "shoot", ["dig", "+short", "SRV", "_postgres._tcp.db.demo.svc.cluster.local"])
    assert (code, out) == (0, "0 100 5432 db.demo.svc.cluster.local.\n")
    out = demo_kubectl("exec", "shoot", "--", "dig", "db.demo.svc.cluster.local")
    ip = demo_sim.call(lambda c: c.store.get(R.SERVICES, "demo", "db")["spec"]["clusterIP"])
    assert ";; ->>HEADER<<- opcode: QUERY, status: NOERROR" in out and ";; flags: qr aa rd;" in out
    assert ";; WARNING: recursion requested but not available" in out
    assert f"db.demo.svc.cluster.local. 30\tIN\tA\t{ip}\n" in out
    assert ";; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)" in out
    code, out, _ = run_in(demo_sim, "default", "shoot", ["dig", "db.demo"])
    assert "status: NXDOMAIN" in out  # dig uses no search list


def test_dns_down_when_coredns_scaled_to_zero(demo_sim, demo_kubectl):
    make_pod(demo_sim, "default", "bb", "busybox:1.36", ["sleep", "3600"])
    demo_kubectl("scale", "-n", "kube-system", "deployment/coredns", "--replicas=0")
    deadline = time.time() + 20
    while time.time() < deadline and demo_sim.call(D.available):
        time.sleep(0.05)
    assert not demo_sim.call(D.available)
    code, out, _ = run_in(demo_sim, "default", "bb", ["nslookup", "nginx-service"])
    assert (code, out) == (1, ";; connection timed out; no servers could be reached\n\n")
    code, _, err = run_in(demo_sim, "default", "bb", ["wget", "-qO-", "http://nginx-service"])
    assert (code, err) == (1, "wget: bad address 'nginx-service'\n")
    demo_kubectl("scale", "-n", "kube-system", "deployment/coredns", "--replicas=2")
    deadline = time.time() + 20
    while time.time() < deadline and not demo_sim.call(D.available):
        time.sleep(0.05)
    code, out, _ = run_in(demo_sim, "default", "bb", ["nslookup", "nginx-service"])
    assert "Name:\tnginx-service.default.svc.cluster.local" in out
