"""What background work (the watch worker, deletions) tells the screen. Each carries the watch
generation it came from, so messages from a watch that was replaced (context or namespace switch)
are dropped instead of painting a stale model."""

from __future__ import annotations

from textual.message import Message

from svctui.kube.actions import DeleteResult
from svctui.kube.state import StreamState
from svctui.model.cluster import Changes


class ModelChanged(Message):
    def __init__(self, gen: int, changes: Changes) -> None:
        super().__init__()
        self.gen = gen
        self.changes = changes


class StreamStateChanged(Message):
    def __init__(self, gen: int, state: StreamState) -> None:
        super().__init__()
        self.gen = gen
        self.state = state


class WatchSynced(Message):
    """Every stream has listed once (complete). On a big or struggling cluster a first, incomplete one
    comes once Services and slices are listed (or at the sync timeout): the tree is built with what
    there is, and the complete one follows when the last list is in."""

    def __init__(self, gen: int, complete: bool = True) -> None:
        super().__init__()
        self.gen = gen
        self.complete = complete


class WatchFailed(Message):
    """The watch could not start (kubeconfig, context): shown in the header, the app keeps running."""

    def __init__(self, gen: int, error: str) -> None:
        super().__init__()
        self.gen = gen
        self.error = error


class TargetResolved(Message):
    def __init__(self, gen: int, context: str, namespace: str) -> None:
        super().__init__()
        self.gen = gen
        self.context = context
        # Shadows Message.namespace (a class variable Textual reads only when the class is made, for
        # handler names), so harmless here; renaming it would silently change what readers of it get.
        self.namespace = namespace  # type: ignore[misc]


class DeleteDone(Message):
    def __init__(self, results: list[DeleteResult], error: str | None = None) -> None:
        super().__init__()
        self.results = results
        self.error = error
