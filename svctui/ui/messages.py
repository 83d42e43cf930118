"""What background work (the watch worker, deletions) tells the screen. Each carries the watch
generation it came from, so messages from a watch that was replaced (context or namespace switch)
are dropped instead of painting a stale model. Dataclasses with eq=False: a message is itself, never
equal to another with the same fields."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from svctui.kube.actions import DeleteResult
from svctui.kube.state import StreamState
from svctui.model.cluster import Changes


@dataclass(eq=False)
class ModelChanged(Message):
    """One loop turn's Changes (the sink merges a turn's events): never replaced, each carries its own."""

    gen: int
    changes: Changes


@dataclass(eq=False)
class StreamStateChanged(Message):
    gen: int
    state: StreamState

    def can_replace(self, message: Message) -> bool:
        # The screen keeps the latest state per stream: an older one still queued is never seen.
        return (isinstance(message, StreamStateChanged) and message.gen == self.gen
                and (message.state.kind, message.state.namespace) == (self.state.kind, self.state.namespace))


@dataclass(eq=False)
class WatchSynced(Message):
    """Every stream has listed once (complete). On a big or struggling cluster a first, incomplete one
    comes once Services and slices are listed (or at the sync timeout): the tree is built with what
    there is, and the complete one follows when the last list is in."""

    gen: int
    complete: bool = True


@dataclass(eq=False)
class WatchFailed(Message):
    """The watch could not start (kubeconfig, context): shown in the header, the app keeps running."""

    gen: int
    error: str


@dataclass(eq=False)
class TargetResolved(Message):
    gen: int
    context: str
    # Shadows Message.namespace (a class variable Textual reads only when the class is made, for
    # handler names), so harmless here; renaming it would silently change what readers of it get.
    namespace: str  # type: ignore[misc]


@dataclass(eq=False)
class DeleteDone(Message):
    results: list[DeleteResult]
    error: str | None = None
