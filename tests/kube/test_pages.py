"""List pages decoded into only the fields read (pages.py) give the same model objects as orjson +
convert.py, on the sim's real pages and on malformed ones (which fall back to orjson whole)."""

from __future__ import annotations

import urllib.request

import orjson
import pytest

from svctui.kube.convert import CONVERTERS, ConvertError
from svctui.kube.pages import decode_list
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

PATHS = {SERVICE: "/api/v1/services", ENDPOINTSLICE: "/apis/discovery.k8s.io/v1/endpointslices",
         POD: "/api/v1/pods"}


def converted(kind: str, page) -> list:
    out = []
    for raw in page.get("items") or ():
        try:
            out.append(CONVERTERS[kind](raw))
        except ConvertError as exc:
            out.append(str(exc))
    return out


@pytest.mark.parametrize("kind", [SERVICE, ENDPOINTSLICE, POD])
def test_the_sims_pages_decode_to_the_same_objects(demo_sim, kind):
    with urllib.request.urlopen(f"{demo_sim.url}{PATHS[kind]}?limit=5") as r:
        body = r.read()
    full, lean = orjson.loads(body), decode_list(kind, body)
    assert full["items"] and converted(kind, lean) == converted(kind, full)
    assert lean["metadata"].get("continue") == full["metadata"]["continue"]
    assert lean["metadata"]["resourceVersion"] == full["metadata"]["resourceVersion"]
    # the fast path: what convert.py does not read was never built
    assert "managedFields" not in lean["items"][0]["metadata"] and "apiVersion" not in lean["items"][0]


def page(*items, **md) -> bytes:
    return orjson.dumps({"kind": "PodList", "metadata": {"resourceVersion": "7", **md}, "items": list(items)})


def pod(name: str, **extra) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"u-{name}", "labels": {"app": "x"}},
            "status": {"phase": "Running", "podIP": "10.0.0.1"}, **extra}


@pytest.mark.parametrize("bad", [
    {"metadata": {"name": "b", "namespace": "default", "labels": {"app": 7}}},       # convert.py skips it
    {"metadata": {"name": None, "namespace": "default"}},                            # no name: skipped
    {"metadata": {"name": "c", "namespace": "default"},
     "status": {"conditions": [{"type": "Ready", "status": True}]}},                 # convert.py takes it
    {"metadata": {"name": "d", "namespace": "default"}, "spec": {"containers": [{"ports": [{"containerPort": True}]}]}},
    "not an object",
])
def test_a_page_that_does_not_fit_the_types_is_read_whole(bad):
    body = page(pod("a"), bad, pod("z"))
    assert decode_list(POD, body) == orjson.loads(body)
    objs = converted(POD, decode_list(POD, body))
    assert objs[0].name == "a" and objs[2].name == "z"


def test_a_well_formed_page_keeps_nulls_and_absent_fields_as_convert_reads_them():
    body = page(pod("a", spec=None), {"metadata": {"name": "b", "namespace": "n", "labels": None}, "status": None},
                **{"continue": "tok"})
    lean = decode_list(POD, body)
    assert lean["metadata"] == {"resourceVersion": "7", "continue": "tok"}
    assert converted(POD, lean) == converted(POD, orjson.loads(body))


def test_what_is_not_json_raises_as_orjson_does():
    with pytest.raises(orjson.JSONDecodeError):
        decode_list(SERVICE, b"{not json")
