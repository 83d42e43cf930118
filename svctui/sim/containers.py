"""What a simulated container does once started: the lines it prints, whether and when it exits.

Nothing is executed. A container's command (command + args) is read for a few short-lived shapes
(`echo ...`, `true`, `false`, `exit N`, `sleep N`, and those joined by `;`/`&&` inside `sh -c`); anything
else, and any image without a command, runs until stopped, printing the startup lines its image is known
for (nginx, postgres, coredns, redis, httpd). Shell images (busybox, alpine, ...) run without a command
exit at once unless given stdin or a TTY, as `sh` does. The annotation `sim.svctui.dev/crash: "true"` makes
every container of the pod exit with code 1 shortly after starting.

When the kubelet passes the cluster, a command the emulated shell knows (shell/: `sh -c SCRIPT`, nslookup,
wget, curl, echo, ...) is run to completion in simulated time as the container starts: its output becomes
the container's log (with the times it was printed) and its status the exit code, so
`kubectl run --restart=Never --image=busybox -- nslookup x` ends as the real pod does. A shell without a
script waits for stdin when the container has `stdin`/`tty` (`interactive`: a first attach drives it, see
exec.py) and exits 0 at once otherwise.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .imageref import image_name
from .shell import run_virtual

CRASH_ANNOTATION = "sim.svctui.dev/crash"

# A crashing container runs this long (seconds, scaled by the clock) before it exits.
CRASH_AFTER = 1.0

_SHELL_IMAGES = {"busybox", "alpine", "ubuntu", "debian", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux"}
_SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash", "ash", "/bin/ash"}


@dataclass
class Behaviour:
    lines: list[str] = field(default_factory=list)
    # None: runs until stopped
    exit_code: int | None = None
    # seconds after start at which it exits
    runtime: float = 0.0
    # (seconds after start, line) when lines come out over time
    timed: list[tuple[float, str]] | None = None
    # a shell waiting for stdin from an attach
    interactive: bool = False

    def log_lines(self, start: float) -> list[tuple[float, str]]:
        if self.timed is not None:
            return [(start + offset, line) for offset, line in self.timed]
        return [(start, line) for line in self.lines]


def behaviour(pod: dict[str, Any], container: dict[str, Any], now: float, cluster: Any = None) -> Behaviour:
    annotations = pod["metadata"].get("annotations") or {}
    argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    name, tag = image_name(container.get("image", ""))
    if annotations.get(CRASH_ANNOTATION) == "true":
        return Behaviour(_startup_lines(name, tag, container, now), 1, CRASH_AFTER)
    waits = bool(container.get("stdin") or container.get("tty"))
    base = name.rsplit("/", 1)[-1]
    if (argv and argv[0] in _SHELLS and not any(a == "-c" for a in argv[1:])) or (not argv and base in _SHELL_IMAGES):
        return Behaviour(interactive=True) if waits else Behaviour([], 0, 0.1)
    if argv and cluster is not None and not argv[0].startswith("-"):
        ran = run_virtual(cluster, pod, container.get("name", ""), argv)
        if ran is not None:
            timed, code, runtime = ran
            return Behaviour([line for _, line in timed], code, runtime, timed=timed)
    if argv and not argv[0].startswith("-"):
        script = _script(argv)
        if script is not None:
            return script
        return Behaviour()
    if base == "postgres" and not _has_password(container):
        return Behaviour(_POSTGRES_NO_PASSWORD, 1, 0.3)
    return Behaviour(_startup_lines(name, tag, container, now))


def _has_password(container: dict[str, Any]) -> bool:
    if container.get("envFrom"):
        return True
    names = {e.get("name") for e in container.get("env") or []}
    return bool(names & {"POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE", "POSTGRES_HOST_AUTH_METHOD"})


def _script(argv: list[str]) -> Behaviour | None:
    """A short-lived command's output and exit, or None if it is not one we can tell will end."""
    if argv[0] in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
        text = argv[2]
    elif argv[0] in _SHELLS:
        return None
    else:
        text = " ".join(shlex.quote(a) for a in argv)
    out = Behaviour(exit_code=0)
    for piece in re.split(r";|&&|\n", text):
        try:
            words = shlex.split(piece)
        except ValueError:
            return None
        if not words:
            continue
        cmd, args = words[0], words[1:]
        if cmd == "echo":
            if args[:1] == ["-n"]:
                args = args[1:]
            out.lines.append(" ".join(args))
            out.exit_code = 0
        elif cmd in ("true", ":"):
            out.exit_code = 0
        elif cmd == "false":
            out.exit_code = 1
        elif cmd == "exit":
            out.exit_code = int(args[0]) % 256 if args and args[0].isdigit() else out.exit_code
            return out
        elif cmd == "sleep" and len(args) == 1 and re.fullmatch(r"\d+(\.\d+)?s?", args[0]):
            out.runtime += float(args[0].rstrip("s"))
            out.exit_code = 0
        else:
            return None
    return out


def _startup_lines(name: str, tag: str, container: dict[str, Any], now: float) -> list[str]:
    base = name.rsplit("/", 1)[-1]
    stamp = datetime.fromtimestamp(now, UTC)
    version = re.match(r"v?(\d+(?:\.\d+)*)", tag)
    v = version.group(1) if version else ""
    if base == "nginx":
        nv = v if v.count(".") == 2 else {"1.25": "1.25.5", "1.26": "1.26.2", "1.27": "1.27.3"}.get(v, "1.27.3")
        t = stamp.strftime("%Y/%m/%d %H:%M:%S")
        return [
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
            "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
            "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
            "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
            "/docker-entrypoint.sh: Configuration complete; ready for start up",
            f'{t} [notice] 1#1: using the "epoll" event method',
            f"{t} [notice] 1#1: nginx/{nv}",
            f"{t} [notice] 1#1: built by gcc 13.2.1 20240309 (Alpine 13.2.1_git20240309) ",
            f"{t} [notice] 1#1: OS: Linux 6.1.0-28-amd64",
            f"{t} [notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576",
            f"{t} [notice] 1#1: start worker processes",
            f"{t} [notice] 1#1: start worker process 29",
            f"{t} [notice] 1#1: start worker process 30",
        ]
    if base == "postgres":
        pv = v if "." in v else {"15": "15.10", "16": "16.6", "17": "17.2"}.get(v, "17.2")
        t = stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d} UTC"
        return [
            "The files belonging to this database system will be owned by user \"postgres\".",
            "This user must also own the server process.",
            "",
            "The database cluster will be initialized with locale \"en_US.utf8\".",
            "The default database encoding has accordingly been set to \"UTF8\".",
            "",
            "Success. You can now start the database server using:",
            "",
            "PostgreSQL init process complete; ready for start up.",
            "",
            f"{t} [1] LOG:  starting PostgreSQL {pv} (Debian {pv}-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
            f'{t} [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432',
            f'{t} [1] LOG:  listening on IPv6 address "::", port 5432',
            f'{t} [1] LOG:  listening on Unix socket "/var/run/postgresql/.s.PGSQL.5432"',
            f"{t} [64] LOG:  database system was shut down at {t}",
            f"{t} [1] LOG:  database system is ready to accept connections",
        ]
    if base == "coredns":
        cv = v or "1.11.3"
        return [
            ".:53",
            "[INFO] plugin/reload: Running configuration SHA512 = " + hashlib.sha512(b"Corefile").hexdigest(),
            f"CoreDNS-{cv}",
            "linux/amd64, go1.21.11, a6338e9",
        ]
    if base == "redis":
        t = stamp.strftime("%d %b %Y %H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"
        rv = v if v.count(".") == 2 else "7.4.1"
        return [
            f"1:C {t} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
            f"1:C {t} * Redis version={rv}, bits=64, commit=00000000, modified=0, pid=1, just started",
            f"1:C {t} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf",
            f"1:M {t} * monotonic clock: POSIX clock_gettime",
            f"1:M {t} * Running mode=standalone, port=6379.",
            f"1:M {t} * Server initialized",
            f"1:M {t} * Ready to accept connections tcp",
        ]
    if base == "httpd":
        t = stamp.strftime("%a %b %d %H:%M:%S.%f %Y")
        return [
            "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.0.1. Set the 'ServerName' directive globally to suppress this message",
            f"[{t}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations",
            f"[{t}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'",
        ]
    if base == "demo-api":
        # Seed 001's Node/Express API logs its port and the Service name it reaches the database by.
        env = {e.get("name"): e.get("value", "") for e in container.get("env") or []}
        return [
            "",
            "> k8s-service-demo@ start /app",
            "> node dist/server.js",
            "",
            f"api listening on :{env.get('PORT') or '3000'} (db host: {env.get('DB_HOST') or 'db'})",
        ]
    return []


_POSTGRES_NO_PASSWORD = [
    "Error: Database is uninitialized and superuser password is not specified.",
    "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
    "       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".",
    "",
    "       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all",
    "       connections without a password. This is *not* recommended.",
    "",
    "       See PostgreSQL documentation about \"trust\":",
    "       https://www.postgresql.org/docs/current/auth-trust.html",
]
