"""What answers on a pod's ports: the emulated servers behind Services, for curl/wget and port-forward.

A container listens on its image's defaults, or, for an image whose servers are not known, on its declared
TCP containerPorts (declaring a port does not open it: nginx with containerPort 8080 refuses there):
  nginx 80, httpd 80, postgres 5432, redis 6379, coredns 53 (DNS), 8080 (/health), 8181 (/ready), 9153
  (/metrics), the demo api (image name containing `demo-api`) on its PORT env (3000 without one).
Shell and tool images (busybox, alpine, curl, netshoot, ...) listen on nothing unless ports are declared.
A container that is not running listens on nothing. Nothing listening -> connection refused.

What they answer:
  nginx   its default site from the container's filesystem (podfs), so editing index.html changes the page;
          `Server: nginx/<version>`; 404 page for other paths; each request is written to the container's
          log in the official image's `main` format (`kubectl logs` shows it), from the client's pod IP
          (127.0.0.1 through port-forward)
  httpd   "It works!"
  demo api  /health {"ok":true}; /health/db checks that DB_HOST resolves from the pod (search path) and its
          Service has ready endpoints; anything else 404 {"error":"not found"}
  coredns DNS over TCP on 53 (port-forward); plain-text health endpoints on 8080/8181, metrics on 9153
  postgres, redis, and DNS on 53 for a non-DNS client: they close the connection on an HTTP request, so
          curl reports an empty reply (52) and wget "error getting response"
  anything else with a declared port: a generic HTTP server answering `<hostname>\\n` with `X-Served-By`.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
import time
from typing import TYPE_CHECKING, Any

from . import dns as D
from .imageref import image_name
from .podfs import NGINX_ROOT, fs_for, hostname
from .stub_resolver import lookup_host

if TYPE_CHECKING:
    from .cluster import Cluster

_TOOLS = {"busybox", "alpine", "curl", "netshoot", "ubuntu", "debian", "dnsutils", "nicolaka/netshoot"}


def _base(image: str) -> str:
    return image_name(image)[0].rsplit("/", 1)[-1]


def _env(container: dict[str, Any], name: str) -> str | None:
    for e in container.get("env") or []:
        if e.get("name") == name:
            return e.get("value")
    return None


def image_ports(container: dict[str, Any]) -> dict[int, str]:
    """Ports the image listens on by itself -> protocol kind."""
    image = container.get("image", "")
    base = _base(image)
    if base == "nginx" or base == "httpd":
        return {80: "http"}
    if base == "postgres":
        return {5432: "silent"}
    if base == "redis":
        return {6379: "silent"}
    if base == "coredns":
        return {53: "dns", 8080: "http", 8181: "http", 9153: "http"}
    if "demo-api" in image:
        try:
            return {int(_env(container, "PORT") or 3000): "http"}
        except ValueError:
            return {3000: "http"}
    return {}


def listening(pod: dict[str, Any], running: set[str] | None = None) -> dict[int, tuple[dict[str, Any], str]]:
    """TCP port -> (container, protocol kind) of what listens in the pod's network namespace."""
    out: dict[int, tuple[dict[str, Any], str]] = {}
    for c in (pod.get("spec") or {}).get("containers") or []:
        if running is not None and c.get("name") not in running:
            continue
        own = image_ports(c)
        for port, kind in own.items():
            out.setdefault(port, (c, kind))
        for p in c.get("ports") or []:
            if p.get("protocol", "TCP") != "TCP" or not p.get("containerPort"):
                continue
            number = p["containerPort"]
            if number in out:
                continue
            if _base(c.get("image", "")) in _TOOLS:
                continue
            if own:
                # The image's own servers are known (nginx: 80): declaring another port opens nothing, so a
                # connection there is refused, as it is in a real pod.
                continue
            out[number] = (c, "http")
    return out


def running_containers(pod: dict[str, Any]) -> set[str]:
    return {cs.get("name") for cs in (pod.get("status") or {}).get("containerStatuses") or []
            if "running" in (cs.get("state") or {})}


def nginx_version(image: str) -> str:
    _, tag = image_name(image)
    m = re.match(r"v?(\d+(?:\.\d+)*)", tag)
    v = m.group(1) if m else ""
    return v if v.count(".") == 2 else {"1.25": "1.25.5", "1.26": "1.26.2", "1.27": "1.27.3"}.get(v, "1.27.3")


class Stream:
    """One TCP connection to a backend: bytes in, bytes out; `closed` once the server hung up."""

    def __init__(self) -> None:
        self.closed = False

    def feed(self, data: bytes) -> bytes:
        raise NotImplementedError


class SilentStream(Stream):
    """A server that does not speak HTTP: it hangs up on the first bytes it cannot parse."""

    def feed(self, data: bytes) -> bytes:
        if data:
            self.closed = True
        return b""


class DnsTcpStream(Stream):
    def __init__(self, cluster: Cluster):
        super().__init__()
        self.cluster = cluster
        self.buffer = bytearray()

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        if bytes(self.buffer[:4]) in (b"GET ", b"POST", b"HEAD"):
            self.closed = True
            return b""
        out = b""
        for msg in D.tcp_frames(self.buffer):
            # The pod itself answers: no check of the kube-dns Service.
            reply = self.cluster.parts.dns.handle_wire(msg, check_available=False)
            if reply is not None:
                out += D.tcp_frame(reply)
        return out


class HttpStream(Stream):
    def __init__(self, cluster: Cluster, pod: dict[str, Any], container: dict[str, Any], port: int,
                 client_ip: str = "127.0.0.1"):
        super().__init__()
        self.cluster = cluster
        self.pod = pod
        self.container = container
        self.port = port
        self.client_ip = client_ip
        self.buffer = b""

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        out = b""
        while b"\r\n\r\n" in self.buffer or b"\n\n" in self.buffer:
            sep = b"\r\n\r\n" if b"\r\n\r\n" in self.buffer else b"\n\n"
            head, rest = self.buffer.split(sep, 1)
            lines = head.decode("latin-1").splitlines()
            try:
                method, target, _version = lines[0].split(" ", 2)
            except ValueError:
                self.closed = True
                return out + _raw(400, "Bad Request", {"Content-Type": "text/html", "Connection": "close"},
                                  b"<html>\r\n<head><title>400 Bad Request</title></head>\r\n</html>\r\n")
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", "0") or 0)
            if len(rest) < length:
                break
            self.buffer = rest[length:]
            reply = self.respond(method, target, headers)
            if _base(self.container.get("image", "")) == "nginx":
                self._access_log(lines[0], headers, reply)
            out += reply
            if headers.get("connection", "").lower() == "close":
                self.closed = True
                break
        return out

    def _access_log(self, request_line: str, headers: dict[str, str], reply: bytes) -> None:
        """nginx's `main` log_format, as the official image configures it, to the container's stdout."""
        kubelet = self.cluster.parts.kubelet
        if kubelet is None:
            return
        head, _, body = reply.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1].decode() if head.count(b" ") >= 2 else "-"
        when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.cluster.clock.now()))
        line = (f'{self.client_ip} - - [{when}] "{request_line}" {status} {len(body)} '
                f'"{headers.get("referer", "-")}" "{headers.get("user-agent", "-")}" '
                f'"{headers.get("x-forwarded-for", "-")}"\n')
        kubelet.process_output(self.pod, self.container["name"], line.encode())

    def respond(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        path = target.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].split("/", 1)[-1] if "/" in path.split("://", 1)[1] else "/"
        image = self.container.get("image", "")
        base = _base(image)
        now = email.utils.formatdate(self.cluster.clock.now(), usegmt=True)
        head_only = method == "HEAD"
        if base == "nginx":
            return _nginx(self, path, now, head_only)
        if base == "httpd":
            body = b"<html><body><h1>It works!</h1></body></html>\n"
            return _raw(200, "OK", {"Date": now, "Server": "Apache/2.4.62 (Unix)", "Content-Type": "text/html",
                                    "Content-Length": str(len(body))}, b"" if head_only else body)
        if base == "coredns":
            if self.port == 9153:
                body = b"# HELP coredns_build_info A metric with a constant '1' value labeled by version, revision, and goversion from which CoreDNS was built.\n# TYPE coredns_build_info gauge\ncoredns_build_info{goversion=\"go1.21.11\",revision=\"a6338e9\",version=\"1.11.3\"} 1\n"
                ctype = "text/plain; version=0.0.4; charset=utf-8"
            elif (self.port == 8080 and path == "/health") or (self.port == 8181 and path == "/ready"):
                body, ctype = b"OK", "text/plain; charset=utf-8"
            else:
                return _raw(404, "Not Found", {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff",
                                               "Date": now, "Content-Length": "19"}, b"404 page not found\n")
            return _raw(200, "OK", {"Content-Type": ctype, "Date": now, "Content-Length": str(len(body))}, body)
        if "demo-api" in image:
            return _demo_api(self, path, now)
        name = hostname(self.pod)
        body = f"{name}\n".encode()
        return _raw(200, "OK", {"Content-Type": "text/plain; charset=utf-8", "X-Served-By": name, "Date": now,
                                "Content-Length": str(len(body))}, b"" if head_only else body)


def _raw(code: int, reason: str, headers: dict[str, str], body: bytes) -> bytes:
    head = f"HTTP/1.1 {code} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


def _nginx(s: HttpStream, path: str, now: str, head_only: bool) -> bytes:
    version = nginx_version(s.container.get("image", ""))
    fs = fs_for(s.cluster, s.pod, s.container["name"])
    file_path = NGINX_ROOT + path
    if path.endswith("/"):
        file_path += "index.html"
    data = fs.read(file_path) if ".." not in path else None
    if data is None:
        body = (f"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n"
                f"<hr><center>nginx/{version}</center>\r\n</body>\r\n</html>\r\n").encode()
        return _raw(404, "Not Found", {"Server": f"nginx/{version}", "Date": now, "Content-Type": "text/html",
                                       "Content-Length": str(len(body)), "Connection": "keep-alive"},
                    b"" if head_only else body)
    mtime = 1732636500
    etag = f'"{mtime:x}-{len(data):x}"' if data.startswith(b"<!DOCTYPE") else f'"{hashlib.md5(data).hexdigest()[:8]}-{len(data):x}"'
    ctype = "text/html" if file_path.endswith((".html", ".htm")) else "text/plain"
    return _raw(200, "OK", {"Server": f"nginx/{version}", "Date": now, "Content-Type": ctype,
                            "Content-Length": str(len(data)),
                            "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
                            "Connection": "keep-alive", "ETag": etag, "Accept-Ranges": "bytes"},
                b"" if head_only else data)


def _demo_api(s: HttpStream, path: str, now: str) -> bytes:
    def reply(code: int, reason: str, body: str) -> bytes:
        data = body.encode()
        return _raw(code, reason, {"X-Powered-By": "Express", "Content-Type": "application/json; charset=utf-8",
                                   "Content-Length": str(len(data)), "Date": now, "Connection": "keep-alive",
                                   "Keep-Alive": "timeout=5"}, data)

    if path == "/health":
        return reply(200, "OK", '{"ok":true}')
    if path == "/health/db":
        host = _env(s.container, "DB_HOST") or "db"
        result = lookup_host(s.cluster, s.pod, host)
        if not result.addresses:
            return reply(503, "Service Unavailable", f'{{"ok":false,"error":"getaddrinfo ENOTFOUND {host}"}}')
        # Through kube-proxy's rules, as the api's own connection to its database would go.
        target = s.cluster.parts.kubeproxy.connect(s.pod, result.addresses[0], 5432)
        if isinstance(target, str):
            err = "ECONNREFUSED" if target == "refused" else "ETIMEDOUT"
            return reply(503, "Service Unavailable", f'{{"ok":false,"error":"connect {err} {result.addresses[0]}:5432"}}')
        return reply(200, "OK", f'{{"ok":true,"db":"{host}"}}')
    return reply(404, "Not Found", '{"error":"not found"}')


def open_stream(cluster: Cluster, pod: dict[str, Any], port: int, client_ip: str = "127.0.0.1") -> Stream | None:
    """A connection to pod:port from client_ip, or None when nothing listens there (connection refused)."""
    entry = listening(pod, running_containers(pod)).get(port)
    if entry is None:
        return None
    container, kind = entry
    if kind == "dns":
        return DnsTcpStream(cluster)
    if kind == "silent":
        return SilentStream()
    return HttpStream(cluster, pod, container, port, client_ip)


def refused(sandbox: str, port: int) -> str:
    """containerd's error for a port-forward to a port nothing listens on in the pod's network namespace."""
    return (f"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network "
            f'namespace "/var/run/netns/cni-{sandbox[:8]}-{sandbox[8:12]}-{sandbox[12:16]}-{sandbox[16:20]}-{sandbox[20:32]}": '
            f'failed to connect to localhost:{port} inside namespace "{sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: '
            f"connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ")
