from svctui.model.objects import ContainerPort, ServicePort
from svctui.model.ports import resolve_all, resolve_target_port

from .build import pod, svc


def test_numeric_and_defaulted_target_ports():
    p = pod("a", "10.0.0.1", ports=())
    assert resolve_target_port(ServicePort("", 80, 8080), p) == 8080
    assert resolve_target_port(ServicePort("", 80, None), p) == 80


def test_named_target_port_resolves_per_pod():
    old = pod("old", ports=(ContainerPort("web", 8080, "TCP"),))
    new = pod("new", ports=(ContainerPort("metrics", 9090), ContainerPort("web", 9000, "UDP"),
                            ContainerPort("web", 8081, "TCP"), ContainerPort("web", 8082, "TCP")))
    none = pod("none", ports=(ContainerPort("http", 80),))
    sp = ServicePort("http", 80, "web", "TCP")
    assert resolve_target_port(sp, old) == 8080
    assert resolve_target_port(sp, new) == 8081  # first with the name *and* the protocol
    assert resolve_target_port(sp, none) is None
    assert resolve_target_port(ServicePort("dns", 53, "web", "UDP"), new) == 9000
    rows = resolve_all(svc(ports=(sp,)), [old, none])
    assert [r.text for r in rows] == ["80/TCP → web→8080 on old", "80/TCP → web→unresolved on none"]
