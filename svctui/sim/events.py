"""Events (core/v1) as components record them; repeats of the same event bump its count."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import resources as R

if TYPE_CHECKING:
    from .apiserver import Api


class Recorder:
    def __init__(self, api: Api, enabled: bool = True):
        self.api = api
        self.enabled = enabled
        self._seq = 0
        # (uid, type, reason, message) -> (namespace, event name), to count repeats
        self._seen: dict[tuple[str, str, str, str], tuple[str, str]] = {}

    def record(self, obj: dict[str, Any], type_: str, reason: str, message: str, component: str,
               host: str | None = None, field_path: str | None = None) -> None:
        if not self.enabled:
            return
        md = obj["metadata"]
        namespace = md.get("namespace") or "default"
        store = self.api.store
        ns = store.get(R.NAMESPACES, None, namespace)
        # The apiserver refuses new events in a missing or terminating namespace.
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        involved = {
            "kind": obj.get("kind"),
            "namespace": md.get("namespace"),
            "name": md["name"],
            "uid": md.get("uid"),
            "apiVersion": obj.get("apiVersion"),
            "resourceVersion": md.get("resourceVersion"),
        }
        if field_path:
            involved["fieldPath"] = field_path
        if not involved["namespace"]:
            involved.pop("namespace")
        now = self.api.clock.iso()
        source = {"component": component}
        if host:
            source["host"] = host
        # An identical event for the same object is counted, not repeated.
        seen_key = (md.get("uid") or "", type_, reason, message)
        seen = self._seen.get(seen_key)
        ev = store.get(R.EVENTS, seen[0], seen[1]) if seen else None
        if ev is not None:
            new = dict(ev)
            new["metadata"] = dict(ev["metadata"])
            new["count"] = ev.get("count", 1) + 1
            new["lastTimestamp"] = now
            self.api.write(R.EVENTS, new)
            return
        self._seq += 1
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{md['name']}.{int(self.api.clock.now() * 1e9) + self._seq:x}",
                "namespace": namespace,
            },
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host or "",
        }
        stored = self.api.store.create(R.EVENTS, event)
        self._seen[seen_key] = (namespace, stored["metadata"]["name"])
        if len(self._seen) > 50_000:
            self._seen.pop(next(iter(self._seen)))
