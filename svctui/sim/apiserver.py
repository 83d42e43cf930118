"""API semantics independent of HTTP: create, update, patch, delete with Kubernetes' rules.

The HTTP layer and the controllers both write through this class, so a controller's pod creation gets
the same defaulting, validation and events as one from kubectl.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import orjson

from . import decode
from . import errors as E
from . import resources as R
from .clock import Clock
from .patch import apply_patch
from .store import Store
from .strategy import strategy_for, validate_label_name, validate_labels

if TYPE_CHECKING:
    from .parts import Parts

_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def deep_copy(obj: Any) -> Any:
    return orjson.loads(orjson.dumps(obj))


def random_suffix(n: int = 5, rng: random.Random | None = None) -> str:
    r = rng or random
    return "".join(r.choice(_SUFFIX_CHARS) for _ in range(n))


class DeleteOptions:
    def __init__(self, grace: int | None = None, propagation: str | None = None, preconditions: dict | None = None,
                 dry_run: bool = False):
        self.grace = grace
        self.propagation = propagation
        self.preconditions = preconditions or {}
        self.dry_run = dry_run


class Api:
    def __init__(self, store: Store, clock: Clock, rng: random.Random | None = None):
        self.store = store
        self.clock = clock
        self.rng = rng or random.Random()
        # Set by the Cluster that owns this Api, right after it builds the server (parts.py).
        self.parts: Parts

    # ---- helpers ----
    def _ns(self, rt: R.ResourceType, namespace: str | None) -> str:
        return (namespace or "") if rt.namespaced else ""

    def require(self, rt: R.ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self.store.get(rt, namespace, name)
        if obj is None:
            raise E.not_found(rt, name)
        return obj

    def _check_namespace(self, rt: R.ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns = self.store.get(R.NAMESPACES, None, namespace)
        if ns is None:
            raise E.namespace_not_found(namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise E.gone_namespace(rt, name, namespace)

    def validate_meta(self, rt: R.ResourceType, obj: dict[str, Any]) -> list[E.FieldError]:
        md = obj["metadata"]
        errs = strategy_for(rt).validate_name(rt, md.get("name", ""))
        errs += validate_labels("metadata.labels", md.get("labels"))
        if rt.namespaced and md.get("namespace"):
            errs += validate_label_name("metadata.namespace", md["namespace"])
        return errs

    # ---- create ----
    def create(self, rt: R.ResourceType, namespace: str | None, body: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        obj = body
        if not isinstance(obj.get("metadata"), dict):
            obj["metadata"] = {}
        md = obj["metadata"]
        body_ns = md.get("namespace")
        if rt.namespaced:
            if body_ns and namespace and body_ns != namespace:
                raise E.bad_request("the namespace of the provided object does not match the namespace sent on the request")
            namespace = namespace or body_ns or "default"
            md["namespace"] = namespace
        else:
            md.pop("namespace", None)
            namespace = ""
        for field in ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            md.pop(field, None)
        if rt.api_version and obj.get("apiVersion") not in (None, rt.api_version):
            raise E.bad_request(f"the API version in the data ({obj.get('apiVersion')}) does not match the expected API version ({rt.api_version})")
        if obj.get("kind") not in (None, rt.kind):
            raise E.bad_request(f"the kind in the data ({obj.get('kind')}) does not match the expected kind ({rt.kind})")
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
        if not md.get("name"):
            gen = md.get("generateName")
            if gen:
                md["name"] = gen + random_suffix(5, self.rng)
            else:
                raise E.invalid_error(rt, "", [E.FieldError("FieldValueRequired", "metadata.name", "name or generateName is required")])
        name = md["name"]
        self._check_namespace(rt, namespace, name)
        strat = strategy_for(rt)
        strat.default(self, obj)
        errs = self.validate_meta(rt, obj)
        errs += strat.validate(self, obj)
        if errs:
            raise E.invalid_error(rt, name, errs)
        if self.store.get(rt, namespace, name) is not None:
            raise E.already_exists(rt, name)
        strat.prepare_create(self, obj, dry_run)
        if strat.tracks_generation:
            md["generation"] = 1
        if dry_run:
            md.setdefault("uid", "00000000-0000-0000-0000-000000000000")
            md.setdefault("creationTimestamp", self.clock.iso())
            return obj
        stored = self.store.create(rt, obj)
        strat.after_create(self, stored)
        return stored

    # ---- update ----
    def update(self, rt: R.ResourceType, namespace: str | None, name: str, body: dict[str, Any],
               subresource: str | None = None, dry_run: bool = False) -> dict[str, Any]:
        namespace = self._ns(rt, namespace)
        old = self.store.get(rt, namespace, name)
        md = body.get("metadata")
        if not isinstance(md, dict):
            body["metadata"] = md = {}
        if md.get("name") and md["name"] != name:
            raise E.bad_request(f"the name of the object ({md['name']}) does not match the name on the URL ({name})")
        if rt.namespaced and md.get("namespace") and md["namespace"] != namespace:
            raise E.bad_request("the namespace of the provided object does not match the namespace sent on the request")
        if old is None:
            raise E.not_found(rt, name)
        rv = md.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise E.conflict(rt, name)
        return self._write_update(rt, old, body, subresource, dry_run)

    def _write_update(self, rt: R.ResourceType, old: dict[str, Any], new: dict[str, Any], subresource: str | None,
                      dry_run: bool) -> dict[str, Any]:
        strat = strategy_for(rt)
        name = old["metadata"]["name"]
        new["apiVersion"] = rt.api_version
        new["kind"] = rt.kind
        md = new["metadata"]
        omd = old["metadata"]
        # Fields the server owns are kept from the stored object.
        for field in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name"):
            if field in omd:
                md[field] = omd[field]
            else:
                md.pop(field, None)
        if subresource == "status":
            # Only status changes through /status.
            merged = {k: v for k, v in old.items() if k != "status"}
            merged["metadata"] = dict(omd)
            if "status" in new:
                merged["status"] = new["status"]
            new = merged
        elif strat.has_status and subresource is None:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if subresource != "status":
            strat.default(self, new)
            strat.prepare_update(self, new, old, dry_run)
            errs = self.validate_meta(rt, new) + strat.validate(self, new) + strat.validate_update(self, new, old)
            if errs:
                raise E.invalid_error(rt, name, errs)
            if strat.tracks_generation and _spec_changed(old, new):
                new["metadata"]["generation"] = omd.get("generation", 1) + 1
        if dry_run:
            return new
        if omd.get("deletionTimestamp") and not new["metadata"].get("finalizers") and old["metadata"].get("finalizers"):
            # Last finalizer gone from an object being deleted: it leaves now.
            self.store.replace(rt, new)
            return self._remove(rt, new)
        if _same(old, new):
            return old
        return self.store.replace(rt, new)

    # ---- patch ----
    def patch(self, rt: R.ResourceType, namespace: str | None, name: str, patch_type: str, patch: bytes,
              subresource: str | None = None, dry_run: bool = False,
              field_validation: str | None = None) -> tuple[dict[str, Any], list[str]]:
        """Apply a patch; returns the stored object and fieldValidation warnings."""
        namespace = self._ns(rt, namespace)
        old = self.require(rt, namespace, name)
        new = apply_patch(rt, deep_copy(old), patch_type, patch)
        if not isinstance(new, dict):
            raise E.bad_request("the patch did not produce an object")
        warnings = decode.enforce(rt, new, field_validation)
        md = new.get("metadata")
        if not isinstance(md, dict):
            new["metadata"] = md = {}
        rv = md.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise E.conflict(rt, name)
        if md.get("name") not in (None, name):
            raise E.invalid_error(rt, name, [E.invalid("metadata.name", md.get("name"), "field is immutable")])
        md["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self._write_update(rt, old, new, subresource, dry_run), warnings

    # ---- writes by controllers (no validation, the server owns these fields) ----
    def write_status(self, rt: R.ResourceType, obj: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
        current = self.store.get(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if current is None:
            return obj
        if current.get("status") == status:
            return current
        new = dict(current)
        new["status"] = status
        new["metadata"] = dict(current["metadata"])
        return self.store.replace(rt, new)

    def write(self, rt: R.ResourceType, new: dict[str, Any]) -> dict[str, Any]:
        """Store a controller's full replacement of an existing object (metadata kept consistent)."""
        current = self.store.get(rt, new["metadata"].get("namespace"), new["metadata"]["name"])
        if current is None:
            return new
        if _same(current, new):
            return current
        return self.store.replace(rt, new)

    # ---- delete ----
    def delete(self, rt: R.ResourceType, namespace: str | None, name: str, opts: DeleteOptions | None = None) -> dict[str, Any]:
        opts = opts or DeleteOptions()
        namespace = self._ns(rt, namespace)
        obj = self.require(rt, namespace, name)
        pre = opts.preconditions
        if pre.get("uid") and pre["uid"] != obj["metadata"].get("uid"):
            raise E.ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rt.qualified} "{name}": Precondition failed: UID in precondition: {pre["uid"]}, UID in object meta: {obj["metadata"].get("uid")}', {"name": name, "kind": rt.plural})
        if pre.get("resourceVersion") and pre["resourceVersion"] != obj["metadata"]["resourceVersion"]:
            raise E.conflict(rt, name)
        strat = strategy_for(rt)
        strat.check_delete(self, obj)
        md = obj["metadata"]
        propagation = opts.propagation or "Background"
        finalizers = list(md.get("finalizers") or [])
        if propagation == "Foreground" and "foregroundDeletion" not in finalizers and self.parts.gc:
            finalizers.append("foregroundDeletion")
        if propagation == "Orphan" and "orphan" not in finalizers and self.parts.gc:
            finalizers.append("orphan")
        grace = strat.grace_period(self, obj, opts.grace)
        if opts.dry_run:
            return obj
        if finalizers or grace > 0:
            if md.get("deletionTimestamp"):
                # Already terminating: a shorter grace period may bring it forward.
                current = md.get("deletionGracePeriodSeconds")
                if grace == 0 and not finalizers:
                    return self._remove(rt, obj)
                if current is None or grace >= current:
                    if finalizers != list(md.get("finalizers") or []):
                        new = deep_copy(obj)
                        new["metadata"]["finalizers"] = finalizers
                        return self.store.replace(rt, new)
                    return obj
            new = deep_copy(obj)
            nmd = new["metadata"]
            nmd["deletionTimestamp"] = self.clock.iso(self.clock.now() + grace)
            nmd["deletionGracePeriodSeconds"] = grace
            if finalizers:
                nmd["finalizers"] = finalizers
            return self.store.replace(rt, new)
        return self._remove(rt, obj)

    def _remove(self, rt: R.ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        md = obj["metadata"]
        final = self.store.remove(rt, md.get("namespace"), md["name"])
        if final is None:
            return obj
        strategy_for(rt).released(self, final)
        return final

    def finish_deletion(self, rt: R.ResourceType, obj: dict[str, Any]) -> None:
        """Remove a terminating object whose grace period or finalizers are done (kubelet, GC)."""
        current = self.store.get(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if current is None or current["metadata"].get("uid") != obj["metadata"].get("uid"):
            return
        if current["metadata"].get("finalizers"):
            return
        self._remove(rt, current)

    def remove_finalizer(self, rt: R.ResourceType, obj: dict[str, Any], finalizer: str) -> None:
        current = self.store.get(rt, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if current is None:
            return
        fins = [f for f in current["metadata"].get("finalizers") or [] if f != finalizer]
        new = dict(current)
        new["metadata"] = dict(current["metadata"])
        if fins:
            new["metadata"]["finalizers"] = fins
        else:
            new["metadata"].pop("finalizers", None)
        if current["metadata"].get("deletionTimestamp") and not fins:
            self.store.replace(rt, new)
            self._remove(rt, new)
            return
        self.store.replace(rt, new)


def _spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = (set(old) | set(new)) - {"metadata", "status", "apiVersion", "kind"}
    return any(old.get(k) != new.get(k) for k in keys)


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    if old.keys() != new.keys():
        return False
    for k in old:
        if k == "metadata":
            a = {kk: vv for kk, vv in old["metadata"].items() if kk != "resourceVersion"}
            b = {kk: vv for kk, vv in new["metadata"].items() if kk != "resourceVersion"}
            if a != b:
                return False
        elif old[k] != new[k]:
            return False
    return True

