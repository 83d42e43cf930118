"""The header's words for refused streams, on plain stream states."""

from svctui.kube.state import FORBIDDEN, WATCHING, StreamState
from svctui.ui.refused import refused_text


def st(kind: str, ns: str | None, state: str = FORBIDDEN) -> StreamState:
    return StreamState(kind, ns, state)


def test_namespaces_are_named_and_kinds_refused_alike_share_them():
    states = [st("EndpointSlice", None), st("EndpointSlice", "demo"), st("Pod", None), st("Pod", "demo"),
              st("Service", None, WATCHING)]
    assert refused_text(states) == "forbidden: EndpointSlices, Pods in demo"


def test_a_cluster_wide_refusal_behind_a_working_fallback_is_named_as_such():
    assert refused_text([st("Service", None), st("Pod", "default")]) == \
        "forbidden: Pods in default; Services cluster-wide"


def test_many_namespaces_are_capped():
    assert refused_text([st("Service", n) for n in "edcba"]) == "forbidden: Services in a, b, c +2 more"
    assert refused_text([st("Service", "a", WATCHING)]) == ""
