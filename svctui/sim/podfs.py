"""Each container's small in-memory filesystem: what its image ships that the emulated tools and backends read.

Files live per (pod uid, container) and die with the pod, as a container's writable layer does (a
restarted container keeps it here: a simplification). /etc/resolv.conf, /etc/hosts and /etc/hostname are
the kubelet's, generated from the pod until a container writes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .dns import DNS_IP, ZONE
from .imageref import image_name

if TYPE_CHECKING:
    from .cluster import Cluster

NGINX_ROOT = "/usr/share/nginx/html"
NGINX_WELCOME = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""
NGINX_50X = """<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
"""
NODE_RESOLV = "nameserver 172.18.0.1\noptions ndots:0\n"


def hostname(pod: dict[str, Any]) -> str:
    spec = pod.get("spec") or {}
    return (spec.get("hostname") or pod["metadata"]["name"])[:63]


def resolv_conf(pod: dict[str, Any]) -> str:
    """What containerd writes from the kubelet's DNS config (search, nameserver, options)."""
    spec = pod.get("spec") or {}
    ns = pod["metadata"].get("namespace", "default")
    policy = spec.get("dnsPolicy", "ClusterFirst")
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"
    servers: list[str] = []
    searches: list[str] = []
    options: list[str] = []
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        servers = [DNS_IP]
        searches = [f"{ns}.svc.{ZONE}", f"svc.{ZONE}", ZONE]
        options = ["ndots:5"]
    elif policy == "Default":
        return NODE_RESOLV
    cfg = spec.get("dnsConfig") or {}
    servers += [s for s in cfg.get("nameservers") or [] if s not in servers]
    searches += [s for s in cfg.get("searches") or [] if s not in searches]
    for opt in cfg.get("options") or []:
        text = opt.get("name", "") + (f":{opt['value']}" if opt.get("value") is not None else "")
        options = [o for o in options if o.split(":")[0] != opt.get("name")] + [text]
    out = ""
    if searches:
        out += "search " + " ".join(searches) + "\n"
    out += "".join(f"nameserver {s}\n" for s in servers)
    if options:
        out += "options " + " ".join(options) + "\n"
    return out


def hosts_file(pod: dict[str, Any]) -> str:
    spec = pod.get("spec") or {}
    ip = (pod.get("status") or {}).get("podIP", "")
    name = hostname(pod)
    out = ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
           "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
    if spec.get("hostNetwork"):
        return out
    if spec.get("subdomain"):
        fqdn = f"{name}.{spec['subdomain']}.{pod['metadata'].get('namespace', 'default')}.svc.{ZONE}"
        out += f"{ip}\t{fqdn}\t{name}\n"
    else:
        out += f"{ip}\t{name}\n"
    for alias in spec.get("hostAliases") or []:
        out += f"\n# Entries added by HostAliases.\n{alias.get('ip')}\t" + "\t".join(alias.get("hostnames") or []) + "\n"
    return out


def _image_files(image: str) -> dict[str, bytes]:
    name, _ = image_name(image)
    base = name.rsplit("/", 1)[-1]
    files: dict[str, bytes] = {"/etc/os-release": b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n'}
    if base == "nginx":
        files[f"{NGINX_ROOT}/index.html"] = NGINX_WELCOME.encode()
        files[f"{NGINX_ROOT}/50x.html"] = NGINX_50X.encode()
    if base == "busybox":
        files = {}
    return files


class PodFS:
    """Files of one container; paths are absolute and normalised."""

    def __init__(self, pod: dict[str, Any], container: dict[str, Any]):
        self.pod = pod
        self.files: dict[str, bytes] = _image_files(container.get("image", ""))
        self.dirs: set[str] = {"/", "/etc", "/tmp", "/root", "/bin", "/usr", "/var", "/home", "/proc", "/dev"}
        for path in self.files:
            self._add_parents(path)

    def _add_parents(self, path: str) -> None:
        parts = path.split("/")[1:-1]
        for i in range(1, len(parts) + 1):
            self.dirs.add("/" + "/".join(parts[:i]))

    def _generated(self, path: str) -> bytes | None:
        if path == "/etc/resolv.conf":
            return resolv_conf(self.pod).encode()
        if path == "/etc/hosts":
            return hosts_file(self.pod).encode()
        if path == "/etc/hostname":
            return (hostname(self.pod) + "\n").encode()
        return None

    def read(self, path: str) -> bytes | None:
        if path in self.files:
            return self.files[path]
        return self._generated(path)

    def is_dir(self, path: str) -> bool:
        return path.rstrip("/") in self.dirs or path == "/"

    def write(self, path: str, data: bytes, append: bool = False) -> str | None:
        """None, or the errno text the shell reports (`Is a directory`, `nonexistent directory`)."""
        if self.is_dir(path):
            return "Is a directory"
        parent = path.rsplit("/", 1)[0] or "/"
        if not self.is_dir(parent):
            return "nonexistent directory"
        old = self.read(path) if append else None
        self.files[path] = (old or b"") + data
        return None

    def listdir(self, path: str) -> list[str]:
        path = path.rstrip("/") or "/"
        prefix = path if path.endswith("/") else path + "/"
        names = {p[len(prefix):].split("/", 1)[0] for p in list(self.files) + list(self.dirs) if p.startswith(prefix) and p != prefix}
        if path == "/etc":
            names |= {"resolv.conf", "hosts", "hostname"}
        return sorted(n for n in names if n)


def fs_for(cluster: Cluster, pod: dict[str, Any], container: str) -> PodFS:
    store = cluster.parts.files
    key = (pod["metadata"].get("uid", ""), container)
    fs = store.get(key)
    if fs is None:
        spec = next((c for c in _all_containers(pod) if c.get("name") == container), {})
        fs = store[key] = PodFS(pod, spec)
    fs.pod = pod
    return fs


def drop(cluster: Cluster, uid: str) -> None:
    store = cluster.parts.files
    for key in [k for k in store if k[0] == uid]:
        del store[key]


def _all_containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod.get("spec") or {}
    return (spec.get("containers") or []) + (spec.get("initContainers") or []) + (spec.get("ephemeralContainers") or [])
