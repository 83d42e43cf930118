"""Which queued messages a newer one makes moot. Textual asks the queued (older) message
`older.can_replace(newer)` and drops the older one when it says yes (message_pump._process_messages_loop)."""

from __future__ import annotations

from svctui.kube.state import LOST, RECONNECTING, WATCHING, StreamState
from svctui.model.probe import ProbeResult
from svctui.ui.messages import ModelChanged, StreamStateChanged
from svctui.ui.panes.messages import ProbeAnswered, ProbesChanged


def _state(kind: str, ns: str | None, state: str) -> StreamState:
    return StreamState(kind, ns, state)


def test_a_streams_newer_state_replaces_its_queued_one_of_the_same_watch_only():
    old = StreamStateChanged(3, _state("Pod", None, RECONNECTING))
    assert old.can_replace(StreamStateChanged(3, _state("Pod", None, WATCHING)))
    assert not old.can_replace(StreamStateChanged(3, _state("Pod", "demo", WATCHING)))  # another stream
    assert not old.can_replace(StreamStateChanged(3, _state("Service", None, LOST)))
    assert not old.can_replace(StreamStateChanged(4, _state("Pod", None, WATCHING)))  # another watch


def test_probe_news_coalesce_only_when_nothing_is_lost():
    assert ProbesChanged().can_replace(ProbesChanged())
    assert ProbesChanged(timeline=False).can_replace(ProbesChanged(timeline=True))
    assert not ProbesChanged(timeline=True).can_replace(ProbesChanged(timeline=False))  # the timeline would stay stale
    result = ProbeResult(1.0, ("default", "nginx"), True, "200 OK", "pod-a", 0.01)
    assert not ProbesChanged().can_replace(ProbeAnswered(result, True))


def test_model_changes_are_never_dropped():
    from svctui.model.cluster import Changes

    first = ModelChanged(1, Changes())
    assert not first.can_replace(ModelChanged(1, Changes()))
