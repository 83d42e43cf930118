"""Namespaces and the kinds with no special rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import errors as E
from .. import resources as R
from .. import tables as T
from ..strategy import Strategy
from ..strategy import register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster


IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")


class NamespaceStrategy(Strategy):
    name_rule = "label"

    def default(self, api: Api, obj: dict[str, Any]) -> None:
        md = obj["metadata"]
        labels = md.setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = md["name"]
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])

    def prepare_create(self, api: Api, obj: dict[str, Any], dry_run: bool) -> None:
        obj["status"] = {"phase": "Active"}

    def check_delete(self, api: Api, obj: dict[str, Any]) -> None:
        name = obj["metadata"]["name"]
        if name in IMMORTAL_NAMESPACES:
            # The NamespaceLifecycle admission plugin refuses this before anything is written.
            raise E.ApiError(403, "Forbidden", f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                             {"name": name, "kind": "namespaces"})

    def grace_period(self, api: Api, obj: dict[str, Any], requested: int | None) -> int:
        # The namespace stays (Terminating) until the namespace controller has emptied it.
        return 1


def _ns_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], obj.get("status", {}).get("phase", ""), T.age(obj["metadata"].get("creationTimestamp"), now)]


def _event_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printEvent: the series or the legacy count/timestamps, whichever the event carries."""
    first = T.age(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last = T.age(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 1
    series = obj.get("series")
    if series:
        last = T.age(series.get("lastObservedTime"), now)
        count = series.get("count", count)
    involved = obj.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or ""
    host = source.get("host") or obj.get("reportingInstance") or ""
    return [last, obj.get("type", ""), obj.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {host}" if host else component, (obj.get("message") or "").strip(), first, count,
            obj["metadata"]["name"]]


def _configmap_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], len(obj.get("data") or {}) + len(obj.get("binaryData") or {}),
            T.age(obj["metadata"].get("creationTimestamp"), now)]


def register(cluster: Cluster) -> None:
    register_strategy(R.NAMESPACES, NamespaceStrategy())
    T.register(R.NAMESPACES, [T.NAME_COLUMN, T.col("Status", description="The status of the namespace"), T.AGE_COLUMN], _ns_cells)
    T.register(R.EVENTS, [
        T.col("Last Seen", description="The time at which the most recent occurrence of this event was recorded."),
        T.col("Type", description="Type of this event (Normal, Warning), new types could be added in the future"),
        T.col("Reason", description="This should be a short, machine understandable string that gives the reason for the "
              "transition into the object's current status."),
        T.col("Object", description="The object that this event is about."),
        T.col("Subobject", priority=1, description="If the reference is to an object, this is the path to the field "
              "within the object."),
        T.col("Source", priority=1, description="The component reporting this event. Should be a short machine "
              "understandable string."),
        T.col("Message", description="A human-readable description of the status of this operation."),
        T.col("First Seen", priority=1, description="The time at which the event was first recorded. (Time of server "
              "receipt is in TypeMeta.)"),
        T.col("Count", priority=1, description="The number of times this event has occurred."),
        T.col("Name", priority=1, fmt="name", description=T.NAME_COLUMN["description"]),
    ], _event_cells)
    T.register(R.CONFIGMAPS, [T.NAME_COLUMN, T.col("Data", "integer", "Data contains the configuration data."), T.AGE_COLUMN],
               _configmap_cells)
