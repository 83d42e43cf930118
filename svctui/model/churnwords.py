"""The words and signs churn is told in, shared by the tree rows, the timeline, the help screen and the
ledger's own texts: a sign on screen must mean what the legend says it means."""

from __future__ import annotations

NEW = "+"  # an endpoint added within the ledger's new window
GONE = "−"  # U+2212: an endpoint that left the slices (its ghost row)
SHAKY = "~"  # not ready, or terminating; in the timeline: conditions changed
UNSLICED = "?"  # a pod the selector matches that no slice lists

LEGEND = f"{NEW} new IP   {GONE} gone (ghost row)   {SHAKY} not ready / terminating   {UNSLICED} pod in no slice"

RECOVERED = "recovered"
RESCALED = "rescaled"


def recovery_words(outcome: str, steady: int) -> str:
    """What precedes the duration: "recovered in 4.8s", or "rescaled to 2 after 4.8s" when the Service
    settled at a new size instead of coming back to the old one."""
    return f"rescaled to {steady} after" if outcome == RESCALED else "recovered in"
