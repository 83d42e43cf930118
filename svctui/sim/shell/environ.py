"""A container's environment as the kubelet builds it: image defaults, HOSTNAME, the Docker-link variables of
the Services in the pod's namespace that existed when the container started (enableServiceLinks; the
`kubernetes` Service's are always there for pods in any namespace), then the container's env/envFrom.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import resources as R
from ..imageref import image_name
from ..podfs import hostname

if TYPE_CHECKING:
    from ..cluster import Cluster

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _image_env(image: str) -> dict[str, str]:
    base = image_name(image)[0].rsplit("/", 1)[-1]
    if base == "nginx":
        return {"NGINX_VERSION": "1.27.3", "PKG_RELEASE": "1", "DYNPKG_RELEASE": "1", "NJS_VERSION": "0.8.7",
                "NJS_RELEASE": "1"}
    if base == "postgres":
        return {"PG_MAJOR": "17", "PG_VERSION": "17.2-1.pgdg120+1", "PGDATA": "/var/lib/postgresql/data",
                "LANG": "en_US.utf8", "GOSU_VERSION": "1.17"}
    if base == "curl":
        return {"CURL_CA_BUNDLE": "/cacert.pem", "CURL_RELEASE_TAG": "curl-8_11_1"}
    return {}


def service_env(svc: dict[str, Any]) -> dict[str, str]:
    """The Docker-link variables of one Service (pkg/kubelet/envvars)."""
    spec = svc.get("spec") or {}
    ip = spec.get("clusterIP")
    ports = spec.get("ports") or []
    if not ip or ip == "None" or not ports:
        return {}
    prefix = svc["metadata"]["name"].upper().replace("-", "_")
    first = ports[0]
    out = {f"{prefix}_SERVICE_HOST": ip, f"{prefix}_SERVICE_PORT": str(first.get("port"))}
    for p in ports:
        if p.get("name"):
            out[f"{prefix}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}"] = str(p.get("port"))
    proto = first.get("protocol", "TCP").lower()
    out[f"{prefix}_PORT"] = f"{proto}://{ip}:{first.get('port')}"
    for p in ports:
        proto = p.get("protocol", "TCP")
        key = f"{prefix}_PORT_{p.get('port')}_{proto}"
        url = f"{proto.lower()}://{ip}:{p.get('port')}"
        out[key] = url
        out[f"{key}_PROTO"] = proto.lower()
        out[f"{key}_PORT"] = str(p.get("port"))
        out[f"{key}_ADDR"] = ip
    return out


def _field(pod: dict[str, Any], path: str) -> str:
    md, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    simple = {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"), "metadata.uid": md.get("uid"),
              "spec.nodeName": spec.get("nodeName"), "spec.serviceAccountName": spec.get("serviceAccountName"),
              "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP")}
    if path in simple:
        return simple[path] or ""
    for kind in ("labels", "annotations"):
        if path.startswith(f"metadata.{kind}['") and path.endswith("']"):
            return (md.get(kind) or {}).get(path[len(kind) + 11:-2], "")
    return ""


def environment(cluster: Cluster, pod: dict[str, Any], container: dict[str, Any], started: str | None = None) -> dict[str, str]:
    store = cluster.store
    ns = pod["metadata"].get("namespace", "default")
    env: dict[str, str] = {"PATH": PATH, "HOSTNAME": hostname(pod)}
    env.update(_image_env(container.get("image", "")))
    when = started or (pod.get("status") or {}).get("startTime") or pod["metadata"].get("creationTimestamp") or ""
    links: dict[str, str] = {}
    master = store.get(R.SERVICES, "default", "kubernetes")
    if master is not None:
        links.update(service_env(master))
    if (pod.get("spec") or {}).get("enableServiceLinks", True):
        for svc in sorted(store.list(R.SERVICES, ns), key=lambda s: s["metadata"]["name"]):
            if (svc["metadata"].get("creationTimestamp") or "") <= when:
                links.update(service_env(svc))
    env.update(links)
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        ref = source.get("configMapRef") or source.get("secretRef")
        if not ref:
            continue
        rt = R.for_kind("v1", "ConfigMap" if "configMapRef" in source else "Secret")
        obj = store.get(rt, ns, ref.get("name", "")) if rt else None
        for k, v in ((obj or {}).get("data") or {}).items():
            env[prefix + k] = _secret(v) if "secretRef" in source else v
    for e in container.get("env") or []:
        name = e.get("name")
        if not name:
            continue
        if "value" in e:
            env[name] = _interpolate(str(e.get("value") or ""), env)
            continue
        source = e.get("valueFrom") or {}
        if "fieldRef" in source:
            env[name] = _field(pod, source["fieldRef"].get("fieldPath", ""))
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            secret = "secretKeyRef" in source
            ref = source.get("secretKeyRef" if secret else "configMapKeyRef") or {}
            rt = R.for_kind("v1", "Secret" if secret else "ConfigMap")
            obj = store.get(rt, ns, ref.get("name", "")) if rt else None
            value = ((obj or {}).get("data") or {}).get(ref.get("key", ""))
            if value is not None:
                env[name] = _secret(value) if secret else value
        else:
            env[name] = ""
    env.setdefault("HOME", "/root")
    return env


def _secret(value: str) -> str:
    import base64

    try:
        return base64.b64decode(value).decode()
    except Exception:
        return value


def _interpolate(value: str, env: dict[str, str]) -> str:
    """$(VAR) references to earlier variables, as the kubelet expands them; $$ escapes."""
    out, i = [], 0
    while i < len(value):
        if value.startswith("$$", i):
            out.append("$")
            i += 2
        elif value.startswith("$(", i) and ")" in value[i:]:
            j = value.index(")", i)
            name = value[i + 2:j]
            out.append(env[name] if name in env else value[i:j + 1])
            i = j + 1
        else:
            out.append(value[i])
            i += 1
    return "".join(out)
