"""Namespaces and the kinds with no special rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import resources as R
from .. import tables as T
from ..strategy import Strategy, register as register_strategy

if TYPE_CHECKING:
    from ..apiserver import Api
    from ..cluster import Cluster


class NamespaceStrategy(Strategy):
    name_rule = "label"

    def default(self, api: "Api", obj: dict[str, Any]) -> None:
        md = obj["metadata"]
        labels = md.setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = md["name"]
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])

    def prepare_create(self, api: "Api", obj: dict[str, Any], dry_run: bool) -> None:
        obj["status"] = {"phase": "Active"}

    def grace_period(self, api: "Api", obj: dict[str, Any], requested: int | None) -> int:
        # The namespace stays (Terminating) until the namespace controller has emptied it.
        return 1 if obj["metadata"]["name"] not in ("default", "kube-system", "kube-public") else 0


def _ns_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], obj.get("status", {}).get("phase", ""), T.age(obj["metadata"].get("creationTimestamp"), now)]


def register(cluster: "Cluster") -> None:
    register_strategy(R.NAMESPACES, NamespaceStrategy())
    T.register(R.NAMESPACES, [T.NAME_COLUMN, T.col("Status", description="The status of the namespace"), T.AGE_COLUMN], _ns_cells)
