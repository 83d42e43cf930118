"""Which commands a container's image has, by repository name (see image_kind):

  busybox, alpine and unknown images  busybox applets (nslookup, wget, ...), ash
  curlimages/curl                      busybox + curl
  nginx (-alpine tags)                 busybox + curl;  nginx (Debian tags): coreutils + curl, dash
  postgres, httpd, debian, ubuntu      coreutils, dash (no curl, wget, nslookup)
  nicolaka/netshoot                    busybox + curl + dig + bind's nslookup
  coredns, pause (distroless)          nothing at all, not even sh
"""

from __future__ import annotations

from ..imageref import image_name

BUSYBOX = {
    "sh", "ash", "echo", "printf", "cat", "true", "false", "sleep", "seq", "env", "printenv", "hostname",
    "nslookup", "wget", "grep", "head", "tail", "wc", "ls", "id", "whoami", "uname", "date", "mkdir", "touch",
    "rm", "test", "[", "pwd", "tr", "cut", "sort", "uniq", "which", "yes", "basename", "dirname", "ps",
}
COREUTILS = BUSYBOX - {"nslookup", "wget"} | {"bash"}
SHELL_BUILTINS = {"echo", "printf", "true", "false", ":", "exit", "cd", "pwd", "export", "test", "[", "unset",
                  "read", "set", "type", "command"}


def image_kind(image: str) -> str:
    name, tag = image_name(image)
    base = name.rsplit("/", 1)[-1]
    if base in ("coredns", "pause", "kube-proxy", "etcd", "kube-apiserver", "distroless") or "distroless" in name:
        return "distroless"
    if base == "netshoot":
        return "netshoot"
    if base == "nginx":
        return "alpine+curl" if "alpine" in tag else "debian+curl"
    if base == "curl":
        return "alpine+curl"
    if base in ("postgres", "httpd", "debian", "ubuntu", "redis", "python", "node") and "alpine" not in tag:
        return "debian"
    return "alpine"


def tools(image: str) -> set[str]:
    kind = image_kind(image)
    if kind == "distroless":
        return set()
    if kind == "debian":
        return set(COREUTILS)
    if kind == "debian+curl":
        return COREUTILS | {"curl"}
    if kind == "alpine+curl":
        return BUSYBOX | {"curl"}
    if kind == "netshoot":
        return BUSYBOX | {"curl", "dig", "host", "bash"}
    return set(BUSYBOX)
