"""kubeconfig files merged the way kubectl merges them, then one context picked out.

client-go's rules (clientcmd/loader.go): every file's relative paths are resolved against that file
*before* merging (certificate-authority, client-certificate, client-key, tokenFile, and an exec
`command` that contains a slash: a bare name is looked up on PATH); then for every map (clusters,
users, contexts) the first file that names a key wins, and the first non-empty current-context wins.
Nothing here talks to a cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# (section, entry key) → the fields of that entry that are file paths
_PATH_FIELDS = {
    ("clusters", "cluster"): ("certificate-authority",),
    ("users", "user"): ("client-certificate", "client-key", "tokenFile"),
}


class KubeConfigFileError(Exception):
    pass


@dataclass
class Merged:
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    current: str | None = None
    user_files: dict[str, Path] = field(default_factory=dict)  # the file that defines each user


@dataclass
class Selected:
    """One context of the merged config: what load_target builds a client from."""

    context: str
    cluster_name: str
    cluster: dict[str, Any]
    user_name: str  # "" when the context names no user
    user: dict[str, Any]
    namespace: str | None
    user_file: Path | None = None  # where an oidc auth-provider's refreshed tokens are written back


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KubeConfigFileError(f"cannot read kubeconfig {path}: {exc}") from None
    except UnicodeDecodeError:
        raise KubeConfigFileError(f"kubeconfig {path} is not a text file (not UTF-8: a binary file?)") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise KubeConfigFileError(f"kubeconfig {path} is not a kubeconfig (expected a mapping)")
    return data


def _resolve(value: Any, base: Path) -> Any:
    if not isinstance(value, str) or not value:
        return value
    p = Path(value).expanduser()
    return value if p.is_absolute() else str(base / p)


def _resolved_entry(section: str, key: str, body: Any, base: Path) -> dict[str, Any]:
    entry = dict(body) if isinstance(body, dict) else {}
    for f in _PATH_FIELDS.get((section, key), ()):
        if f in entry:
            entry[f] = _resolve(entry[f], base)
    if section == "users" and isinstance(entry.get("exec"), dict):
        ex = dict(entry["exec"])
        cmd = ex.get("command")
        if isinstance(cmd, str) and os.sep in cmd:
            ex["command"] = _resolve(cmd, base)
        entry["exec"] = ex
    return entry


def merge(paths: list[Path]) -> Merged:
    out = Merged()
    for path in paths:
        data = read_file(path)
        base = path.resolve().parent
        for section, key, into in (("clusters", "cluster", out.clusters), ("users", "user", out.users),
                                   ("contexts", "context", out.contexts)):
            for item in data.get(section) or []:
                if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"] not in into:
                    into[item["name"]] = _resolved_entry(section, key, item.get(key), base)
                    if section == "users":
                        out.user_files[item["name"]] = path
        if out.current is None and data.get("current-context"):
            out.current = str(data["current-context"])
    return out


def select(merged: Merged, name: str, source: str) -> Selected:
    ctx = merged.contexts[name]
    cluster_name = str(ctx.get("cluster") or "")
    if not cluster_name or cluster_name not in merged.clusters:
        raise KubeConfigFileError(f"context {name!r} in {source} names cluster {cluster_name!r}, "
                                  "which no kubeconfig file defines")
    user_name = str(ctx.get("user") or "")
    if user_name and user_name not in merged.users:
        raise KubeConfigFileError(f"context {name!r} in {source} names user {user_name!r}, "
                                  "which no kubeconfig file defines")
    cluster = merged.clusters[cluster_name]
    if not isinstance(cluster.get("server"), str) or not cluster["server"]:
        raise KubeConfigFileError(f"context {name!r} in {source}: cluster {cluster_name!r} has no server")
    ns = ctx.get("namespace")
    return Selected(name, cluster_name, cluster, user_name, merged.users.get(user_name, {}),
                    str(ns) if ns else None, merged.user_files.get(user_name))
