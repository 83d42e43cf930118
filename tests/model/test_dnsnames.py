from svctui.model.dnsnames import (
    candidates,
    env_vars,
    pod_names,
    search_path,
    service_fqdn,
    service_names,
    srv_names,
    walk,
)
from svctui.model.objects import ServicePort

from .build import ep, svc

NGINX = svc("nginx-service", ip="10.96.142.87",
            ports=(ServicePort("http", 80, 80, "TCP"), ServicePort("dns-udp", 53, "dns", "UDP"),
                   ServicePort("", 8443, 8443, "TCP")))


def test_service_names_and_srv():
    n = service_names(NGINX)
    assert n.all() == ("nginx-service", "nginx-service.default", "nginx-service.default.svc",
                       "nginx-service.default.svc.cluster.local")
    assert service_names(NGINX, zone="corp.example.").fqdn == "nginx-service.default.svc.corp.example"
    assert srv_names(NGINX) == ["_http._tcp.nginx-service.default.svc.cluster.local",
                                "_dns-udp._udp.nginx-service.default.svc.cluster.local"]


def test_one_fqdn_for_every_user():
    assert service_fqdn("db", "demo") == "db.demo.svc.cluster.local"
    assert service_fqdn("db", "demo", "Corp.Example.") == "db.demo.svc.corp.example"


def test_headless_pod_names():
    headless = svc("db", ns="demo", ip="None", headless=True)
    eps = [ep("10.0.0.1", "db-0", hostname="db-0"), ep("10.0.0.2", "db-1", hostname="db-1", ready=False),
           ep("10.0.0.3", "x")]
    names = pod_names(headless, eps)
    assert [(p.name, p.addresses, p.published) for p in names] == [
        ("db-0.db.demo.svc.cluster.local", ("10.0.0.1",), True),
        ("db-1.db.demo.svc.cluster.local", ("10.0.0.2",), False)]
    assert pod_names(svc("web"), eps) == []


def test_search_path_and_candidates():
    assert search_path("default") == ("default.svc.cluster.local", "svc.cluster.local", "cluster.local")
    assert candidates("db", "default") == ["db.default.svc.cluster.local", "db.svc.cluster.local",
                                           "db.cluster.local", "db"]
    assert candidates("db.demo.svc.cluster.local.", "default") == ["db.demo.svc.cluster.local"]
    # Five dots reach ndots: tried as-is first.
    assert candidates("a.b.c.d.e.f", "default")[0] == "a.b.c.d.e.f"
    assert candidates("db.demo.svc.cluster.local", "default")[-1] == "db.demo.svc.cluster.local"


def test_walk_from_another_namespace():
    known = {("demo", "db"), ("default", "web")}
    steps = walk("db", "default", known)
    assert [s.service for s in steps] == [None] * 4  # `db` from default never reaches db.demo
    steps = walk("db.demo", "default", known)
    assert [s.query for s in steps] == ["db.demo.default.svc.cluster.local", "db.demo.svc.cluster.local"]
    assert steps[-1].service == ("demo", "db")
    assert walk("db", "demo", known)[0].service == ("demo", "db")
    assert walk("web.default.svc.cluster.local", "demo", known)[-1].service == ("default", "web")
    steps = walk("db-0.db.demo.svc", "default", known)
    assert (steps[-1].service, steps[-1].hostname) == (("demo", "db"), "db-0")


def test_env_var_names():
    env = dict(env_vars(NGINX))
    assert list(env)[:5] == ["NGINX_SERVICE_SERVICE_HOST", "NGINX_SERVICE_SERVICE_PORT",
                             "NGINX_SERVICE_SERVICE_PORT_HTTP", "NGINX_SERVICE_SERVICE_PORT_DNS_UDP",
                             "NGINX_SERVICE_PORT"]
    assert env["NGINX_SERVICE_SERVICE_HOST"] == "10.96.142.87"
    assert env["NGINX_SERVICE_SERVICE_PORT"] == "80"
    assert env["NGINX_SERVICE_PORT"] == "tcp://10.96.142.87:80"
    assert env["NGINX_SERVICE_PORT_80_TCP"] == "tcp://10.96.142.87:80"
    assert env["NGINX_SERVICE_PORT_80_TCP_PROTO"] == "tcp"
    assert env["NGINX_SERVICE_PORT_80_TCP_PORT"] == "80"
    assert env["NGINX_SERVICE_PORT_80_TCP_ADDR"] == "10.96.142.87"
    assert env["NGINX_SERVICE_PORT_53_UDP"] == "udp://10.96.142.87:53"
    assert "NGINX_SERVICE_PORT_8443_TCP" in env
    assert dict(env_vars(svc("v6", ip="fd00::10")))["V6_PORT"] == "tcp://[fd00::10]:80"
    assert env_vars(svc("db", ip="None", headless=True)) == []
    assert env_vars(svc("ext", ip=None, type="ExternalName", external_name="example.com")) == []
