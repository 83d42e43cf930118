"""Pod Security admission (enforce mode only): a namespace labelled `pod-security.kubernetes.io/enforce`
baseline or restricted rejects pods that break the level, with the apiserver's 403 text, e.g.
`pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false
(container "c" must set securityContext.allowPrivilegeEscalation=false), ...`.

A subset of the checks (k8s.io/pod-security-admission/policy), in its order: the ones a debug pod or a
plain workload trips over. Not covered: volumes, hostPorts, procMount, sysctls, AppArmor, SELinux.
"""

from __future__ import annotations

from typing import Any

from . import errors as E

ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"
LEVELS = ("privileged", "baseline", "restricted")


def _who(kind: str, names: list[str]) -> str:
    quoted = ", ".join(f'"{n}"' for n in names)
    return f'{kind}{"s" if len(names) > 1 else ""} {quoted}'


def violations(spec: dict[str, Any], level: str) -> list[str]:
    if level not in ("baseline", "restricted"):
        return []
    psc = spec.get("securityContext") or {}
    containers = [c for key in ("initContainers", "containers", "ephemeralContainers") for c in spec.get(key) or []]

    def sc(c: dict[str, Any]) -> dict[str, Any]:
        return c.get("securityContext") or {}

    out: list[str] = []
    restricted = level == "restricted"
    if restricted:
        bad = [c["name"] for c in containers if sc(c).get("allowPrivilegeEscalation") is not False]
        if bad:
            out.append(f"allowPrivilegeEscalation != false ({_who('container', bad)} must set "
                       "securityContext.allowPrivilegeEscalation=false)")
    added = [(c["name"], a) for c in containers for a in (sc(c).get("capabilities") or {}).get("add") or []
             if a not in (("NET_BIND_SERVICE",) if restricted else _BASELINE_CAPS)]
    undropped = [c["name"] for c in containers if "ALL" not in ((sc(c).get("capabilities") or {}).get("drop") or [])]
    if (restricted and undropped) or added:
        parts = [f"{_who('container', undropped)} must set securityContext.capabilities.drop=[\"ALL\"]"] if restricted and undropped else []
        parts += [f'container "{n}" must not include "{a}" in securityContext.capabilities.add' for n, a in added]
        out.append(f"unrestricted capabilities ({'; '.join(parts)})")
    hosts = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k)]
    if hosts:
        out.append(f"host namespaces ({', '.join(hosts)})")
    priv = [c["name"] for c in containers if sc(c).get("privileged")]
    if priv:
        out.append(f"privileged ({_who('container', priv)} must not set securityContext.privileged=true)")
    if restricted:
        pod_nonroot = psc.get("runAsNonRoot")
        unset = [c["name"] for c in containers if sc(c).get("runAsNonRoot") is None and pod_nonroot is not True]
        false = [c["name"] for c in containers if sc(c).get("runAsNonRoot") is False]
        parts = ["pod must not set securityContext.runAsNonRoot=false"] if pod_nonroot is False else []
        parts += [f"{_who('container', false)} must not set securityContext.runAsNonRoot=false"] if false else []
        if unset and pod_nonroot is not False:
            parts.append(f"pod or {_who('container', unset)} must set securityContext.runAsNonRoot=true")
        if parts:
            out.append(f"runAsNonRoot != true ({'; '.join(parts)})")
        root = (["pod must not set runAsUser=0"] if psc.get("runAsUser") == 0 else [])
        root_c = [c["name"] for c in containers if sc(c).get("runAsUser") == 0]
        root += [f"{_who('container', root_c)} must not set runAsUser=0"] if root_c else []
        if root:
            out.append(f"runAsUser=0 ({'; '.join(root)})")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    if restricted:
        unset = [c["name"] for c in containers
                 if (sc(c).get("seccompProfile") or {}).get("type", pod_seccomp) not in ("RuntimeDefault", "Localhost")]
        if unset:
            out.append(f"seccompProfile (pod or {_who('container', unset)} must set securityContext.seccompProfile.type "
                       'to "RuntimeDefault" or "Localhost")')
    elif pod_seccomp == "Unconfined":
        out.append('seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")')
    return out


_BASELINE_CAPS = ("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                  "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT")


def admit(namespace: dict[str, Any] | None, pod: dict[str, Any]) -> None:
    """Raise the apiserver's 403 when the namespace enforces a level the pod breaks."""
    labels = ((namespace or {}).get("metadata") or {}).get("labels") or {}
    level = labels.get(ENFORCE, "privileged")
    problems = violations(pod.get("spec") or {}, level)
    if not problems:
        return
    name = pod["metadata"].get("name", "")
    version = labels.get(ENFORCE_VERSION, "latest")
    raise E.ApiError(403, "Forbidden", f'pods "{name}" is forbidden: violates PodSecurity "{level}:{version}": '
                     + ", ".join(problems), {"name": name, "kind": "pods"})
