"""The kubelet's mirror pods: a static pod's API object, deleted, comes back (its containers never stopped).

The manifests are the ones kube_system.py put on the control plane (Parts.static_pods). The kubelet
notices the missing mirror pod on its next sync and creates it again, with a new uid.
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from .. import resources as R
from ..apiserver import deep_copy
from ..store import DELETED, Event
from .base import Controller, ObjectKey

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
# The kubelet's pod sync notices the missing mirror pod within about a second.
RECREATE_SECONDS = 1.0


class MirrorPods(Controller[ObjectKey]):
    name = "kubelet-mirror-pods"

    def keys_for(self, ev: Event) -> list[ObjectKey]:
        if ev.rt is not R.PODS or ev.type != DELETED:
            return []
        md = ev.obj["metadata"]
        if MIRROR_ANNOTATION not in (md.get("annotations") or {}):
            return []
        key = (md.get("namespace", ""), md["name"])
        self.enqueue_after(RECREATE_SECONDS, key)
        return []

    def sync(self, key: ObjectKey) -> None:
        ns, name = key
        manifest: dict[str, Any] | None = self.api.parts.static_pods.get(key)
        if manifest is None or self.store.get(R.PODS, ns, name) is not None:
            return
        node = self.store.get(R.NODES, None, manifest["spec"].get("nodeName") or "")
        if node is None:
            return
        body = deep_copy(manifest)
        body["metadata"]["ownerReferences"][0]["uid"] = node["metadata"]["uid"]
        try:
            self.api.create(R.PODS, ns, body)
        except E.ApiError:
            pass


CONTROLLERS = [MirrorPods]
