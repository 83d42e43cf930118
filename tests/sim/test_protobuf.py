"""kubectl's `create <kind>` subcommands send protobuf bodies; the sim must decode them like the apiserver."""

from __future__ import annotations

import json

import pytest

from svctui.sim import protobuf

pytestmark = pytest.mark.kubectl


def get_json(kubectl, *args: str) -> dict:
    return json.loads(kubectl("get", *args, "-o", "json"))


def test_create_subcommands(kubectl):
    assert kubectl("create", "namespace", "team-a").strip() == "namespace/team-a created"
    assert get_json(kubectl, "namespace", "team-a")["status"]["phase"] == "Active"

    out = kubectl("create", "deployment", "web", "--image=nginx:1.26-alpine", "--replicas=2", "--port=80", "-n", "team-a")
    assert out.strip() == "deployment.apps/web created"
    dep = get_json(kubectl, "deployment", "web", "-n", "team-a")
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "nginx:1.26-alpine" and container["name"] == "nginx"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]

    kubectl("create", "configmap", "settings", "--from-literal=mode=fast", "--from-literal=empty=", "-n", "team-a")
    assert get_json(kubectl, "configmap", "settings", "-n", "team-a")["data"] == {"mode": "fast", "empty": ""}

    kubectl("create", "service", "clusterip", "my-svc", "--tcp=80:8080", "-n", "team-a")
    svc = get_json(kubectl, "service", "my-svc", "-n", "team-a")
    assert svc["spec"]["ports"][0]["port"] == 80 and svc["spec"]["ports"][0]["targetPort"] == 8080
    assert svc["spec"]["selector"] == {"app": "my-svc"}

    kubectl("create", "service", "clusterip", "headless", "--clusterip=None", "--tcp=5432:5432", "-n", "team-a")
    assert get_json(kubectl, "service", "headless", "-n", "team-a")["spec"]["clusterIP"] == "None"


def test_zero_replicas_survive_decoding(kubectl):
    """A pointer field set to zero is meaningful (omitempty does not drop pointers)."""
    kubectl("create", "deployment", "idle", "--image=nginx", "--replicas=0")
    assert get_json(kubectl, "deployment", "idle")["spec"]["replicas"] == 0


def test_garbage_body_is_a_400(sim):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{sim.url}/api/v1/namespaces", data=b"k8s\x00\xff\xff", method="POST",
                                 headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 400
    body = json.loads(err.value.read())
    assert body["reason"] == "BadRequest"


def test_decoder_handles_negative_and_packed_ints():
    # field 1 (int) = -1 as a ten-byte varint; the Go encoder writes negative int32s this way.
    raw = bytes([0x08]) + bytes([0xFF] * 9 + [0x01])
    assert protobuf.decode_message("meta/v1.DeleteOptions", raw) == {"gracePeriodSeconds": -1}
