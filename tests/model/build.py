"""Terse builders for model objects in tests."""

from __future__ import annotations

from svctui.model.objects import (
    ContainerPort,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Pod,
    Service,
    ServicePort,
    freeze_labels,
)


def svc(name="web", ns="default", selector=None, *, no_selector=False, ports=None, ip="10.96.0.10",
        rv="", uid=None, **kw) -> Service:
    sel = None if no_selector else freeze_labels(selector if selector is not None else {"app": name})
    ports = ports if ports is not None else (ServicePort("http", 80, 8080, "TCP"),)
    return Service(ns, name, uid or f"uid-svc-{ns}-{name}", rv, cluster_ip=ip, cluster_ips=(ip,),
                   ports=tuple(ports), selector=sel, **kw)


def ep(ip, pod=None, *, ready=True, serving=None, terminating=None, ns=None, uid=None, node="worker",
       hostname=None, kind="Pod") -> Endpoint:
    if pod is None:
        return Endpoint((ip,), ready, serving, terminating, hostname, node)
    return Endpoint((ip,), ready, serving, terminating, hostname, node, None, kind, pod,
                    uid if uid is not None else f"uid-{pod}", ns)


def terminating(ip, pod, **kw) -> Endpoint:
    return ep(ip, pod, ready=False, serving=True, terminating=True, **kw)


def slice_(name, svc_name="web", eps=(), *, ns="default", family="IPv4", rv="", ports=None) -> EndpointSlice:
    ports = ports if ports is not None else (EndpointPort("http", 8080, "TCP"),)
    return EndpointSlice(ns, name, f"uid-slice-{ns}-{name}", rv, svc_name, family, tuple(ports), tuple(eps),
                         "endpointslice-controller.k8s.io", freeze_labels({"kubernetes.io/service-name": svc_name}
                                                                          if svc_name else {}))


def pod(name, ip=None, *, ns="default", labels=None, uid=None, ready=True, deleting=False, phase=None,
        ports=(ContainerPort("http", 8080, "TCP"),), rv="", **kw) -> Pod:
    return Pod(ns, name, uid if uid is not None else f"uid-{name}", rv,
               freeze_labels(labels if labels is not None else {"app": "web"}), "worker", ip, (ip,) if ip else (),
               phase or ("Running" if ip else "Pending"), ready, deleting, 0, tuple(ports), **kw)
