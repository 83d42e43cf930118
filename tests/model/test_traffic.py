"""The plain words for a Service's traffic fields (model/traffic.py), on plain model objects."""

from __future__ import annotations

import pytest

from svctui.model import traffic
from svctui.model.objects import Endpoint, Service


def svc(**kw) -> Service:
    return Service("default", "s", **kw)


@pytest.mark.parametrize("seconds, words", [(10800, "3 h"), (86400, "1 d"), (90, "90 s"), (120, "2 min"),
                                            (3660, "61 min"), (1, "1 s"), (0, "0 s")])
def test_durations_keep_their_exact_value(seconds, words):
    assert traffic.duration_words(seconds) == words


def test_client_ip_affinity_names_its_timeout():
    lines = dict(traffic.lines(svc(session_affinity="ClientIP", affinity_timeout=10800)))
    assert lines["session affinity"] == "ClientIP (3 h timeout) — the same client keeps reaching the same pod"


def test_client_ip_affinity_without_a_config_reads_kube_proxys_default():
    assert traffic.affinity_line(svc(session_affinity="ClientIP")) == \
        "ClientIP (3 h timeout) — the same client keeps reaching the same pod"


def test_the_seed_003_service_in_words():
    s = svc(type="NodePort", session_affinity="None", external_traffic_policy="Local", internal_traffic_policy="Local",
            ip_families=("IPv4", "IPv6"), ip_family_policy="PreferDualStack", traffic_distribution="PreferClose",
            topology_mode="Auto")
    lines = dict(traffic.lines(s))
    assert lines["session affinity"] == "None — each connection may reach any ready pod"
    assert lines["external traffic"] == "Local — only nodes with a ready endpoint answer, the client IP is kept"
    assert lines["internal traffic"].startswith("Local — pods reach only endpoints on their own node")
    assert lines["IP families"] == "IPv4, IPv6 (PreferDualStack)"
    assert lines["traffic distribution"] == "PreferClose — prefer endpoints in the client's zone"
    assert lines["topology mode"].startswith("Auto — ")
    assert [k for k, _ in traffic.lines(s)] == ["session affinity", "external traffic", "internal traffic",
                                                  "IP families", "traffic distribution", "topology mode"]


def test_absent_fields_get_no_line_and_unknown_values_are_shown_as_sent():
    assert traffic.lines(svc()) == []
    assert dict(traffic.lines(svc(external_traffic_policy="Sideways")))["external traffic"] == "Sideways"


def test_the_row_names_only_what_is_not_default():
    defaults = svc(session_affinity="None", external_traffic_policy="Cluster", internal_traffic_policy="Cluster",
                   ip_families=("IPv4",), ip_family_policy="SingleStack", topology_mode="Disabled")
    assert traffic.row_tags(defaults) == ""
    assert traffic.row_tags(svc(session_affinity="ClientIP", external_traffic_policy="Local")) == \
        "affinity=ClientIP ext=Local"
    assert traffic.row_tags(svc(internal_traffic_policy="Local", ip_families=("IPv6", "IPv4"),
                                traffic_distribution="PreferClose", topology_mode="Auto")) == \
        "int=Local dual-stack dist=PreferClose topology=Auto"


def test_an_endpoints_hint_lists_its_zones():
    assert traffic.hint_text(Endpoint(("10.0.0.1",), hint_zones=("zone-a",))) == "zone-a"
    assert traffic.hint_text(Endpoint(("10.0.0.1",), hint_zones=("zone-a", "zone-b"))) == "zone-a, zone-b"
    assert traffic.hint_text(Endpoint(("10.0.0.1",))) is None


def test_the_new_fields_default_to_shared_empties():
    a, b = Endpoint(("10.0.0.1",)), Endpoint(("10.0.0.2",))
    assert a.hint_zones is b.hint_zones == ()
    assert svc().affinity_timeout is None and svc().topology_mode is None
