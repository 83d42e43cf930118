"""The serviceaccounts controller: every live namespace has a `default` ServiceAccount (recreated if deleted)."""

from __future__ import annotations

from .. import errors as E
from .. import resources as R
from ..store import DELETED, Event
from .base import Controller


class ServiceAccountsController(Controller[str]):
    name = "serviceaccount-controller"

    def keys_for(self, ev: Event) -> list[str]:
        md = ev.obj["metadata"]
        if ev.rt is R.NAMESPACES and ev.type != DELETED:
            return [md["name"]]
        if ev.rt is R.SERVICEACCOUNTS and ev.type == DELETED and md["name"] == "default":
            return [md.get("namespace") or ""]
        return []

    def sync(self, key: str) -> None:
        ns = self.store.get(R.NAMESPACES, None, str(key))
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        if self.store.get(R.SERVICEACCOUNTS, str(key), "default") is not None:
            return
        try:
            self.api.create(R.SERVICEACCOUNTS, str(key), {"metadata": {"name": "default"}})
        except E.ApiError:
            pass  # created meanwhile, or the namespace started terminating


CONTROLLERS = [ServiceAccountsController]
