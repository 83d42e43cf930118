"""How a label selector is written: once, so the tree, the details pane, the doctor and the delete
confirmation spell `app=nginx,tier=web` the same way kubectl's -l reads it."""

from __future__ import annotations

from collections.abc import Iterable


def selector_text(labels: Iterable[tuple[str, str]]) -> str:
    """`app=nginx,tier=web`: the form `kubectl get pods -l` accepts (empty for no labels); a pod's labels are
    written the same way, so the two can be compared by eye."""
    return ",".join(f"{k}={v}" for k, v in labels)


def selector_summary(selector: Iterable[tuple[str, str]] | None) -> str:
    """For a Service row: None (no selector: EndpointSlices are managed by hand) and an empty one are
    different facts, and both would otherwise read as an empty string."""
    if selector is None:
        return "no selector"
    return selector_text(selector) or "empty selector"
