"""Where the watch looks (kubeconfig, context, a namespace or all) and what of it is on screen (one
namespace within a watch of all, the filter). The main screen owns one; a namespace or context
choice changes it, and says whether the watch must restart."""

from __future__ import annotations

from dataclasses import dataclass

from svctui.model.cluster import ClusterModel
from svctui.model.objects import Key

from . import rows as R

ALL = "all"


@dataclass
class WatchScope:
    kubeconfig: str | None
    context: str | None  # asked for (None: the kubeconfig's current)
    ns_override: str | None  # asked for (None: the context's own, unless watch_all)
    watch_all: bool
    context_name: str  # as resolved ("…" until then)
    namespace_name: str  # as resolved: a namespace, ALL, or "…"
    view_ns: str | None  # the one namespace shown of a watch of all
    filter_text: str = ""

    @classmethod
    def asked(cls, kubeconfig: str | None, context: str | None, namespace: str | None,
              all_namespaces: bool) -> WatchScope:
        return cls(kubeconfig, context, namespace, all_namespaces, context or "…",
                   ALL if all_namespaces else (namespace or "…"), None if all_namespaces else namespace)

    def on_screen(self) -> str | None:
        """The one namespace on screen (None: all). A watch of one namespace also holds kube-dns
        (for the header's cluster DNS health), which is not the user's namespace to show."""
        if self.view_ns is not None:
            return self.view_ns
        return None if self.namespace_name in (ALL, "…") else self.namespace_name

    def visible(self, model: ClusterModel, key: Key) -> bool:
        scope = self.on_screen()
        if scope is not None and key[0] != scope:
            return False
        return R.matches(model, key, self.filter_text)

    def shown_name(self) -> str:
        """The header's namespace."""
        return self.view_ns or self.namespace_name

    def where(self) -> str:
        """The namespace, or "any namespace", in an empty screen's words."""
        return self.view_ns or (self.namespace_name if self.namespace_name != ALL else "any namespace")

    def choose_namespace(self, choice: str) -> bool:
        """True: the watch restarts (a watch of all only changes its view)."""
        if self.namespace_name == ALL:
            self.view_ns = None if choice == ALL else choice
            return False
        if choice == ALL:
            self.watch_all, self.ns_override, self.view_ns = True, None, None
        else:
            self.watch_all, self.ns_override, self.view_ns = False, choice, None
        self.namespace_name = choice
        return True

    def choose_context(self, choice: str) -> None:
        self.context = choice
        self.context_name = choice
        if not self.watch_all:
            self.ns_override = None  # the new context's own namespace
            self.namespace_name = "…"
        self.view_ns = None
