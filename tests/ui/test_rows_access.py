"""Row labels on plain data: what is not known is not counted."""

from svctui.model.cluster import ClusterModel
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE
from svctui.ui import rows as R
from tests.model.build import ep, pod, slice_, svc

WEB = ("demo", "web")


def head(m: ClusterModel) -> str:
    return R.service_head(m, WEB, 0.0, 3).label.plain


def test_slices_not_listed_yet_is_not_zero_ready():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo")], 0.0)
    assert head(m).startswith("web  EndpointSlices not listed yet  ClusterIP"), head(m)
    m.replace_all(ENDPOINTSLICE, [], 0.0)
    assert head(m).startswith("web  0/0 ready  ClusterIP"), "listed and empty: that is a count"


def test_refused_slices_and_pods_are_said_on_the_row_and_below_it():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo")], 0.0)
    m.forbid(ENDPOINTSLICE, "demo")
    m.forbid(POD, "demo")
    assert head(m).startswith("web  ? not permitted to list EndpointSlices in demo  "
                              "? not permitted to list Pods in demo  ClusterIP"), head(m)
    row = R.service_row(m, WEB, 0.0, 3)
    assert [c.label.plain for c in row.children] == [
        "? not permitted to list EndpointSlices in demo: ready endpoints, readiness, selectorless and "
        "traffic-policy checks skipped",
        "? not permitted to list Pods in demo: selector, readiness, port and workload checks skipped"]
    assert R.service_row_count(m, WEB, 0.0) == 3
    assert R.namespace_gaps(m, "demo") == "not permitted to list EndpointSlices, Pods"


def test_pods_refused_keeps_the_count_the_slices_give():
    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo")], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[ep("10.0.0.1", "web-0")], ns="demo")], 0.0)
    m.forbid(POD, "demo")
    assert head(m).startswith("web  1/1 ready  ? not permitted to list Pods in demo  ClusterIP"), head(m)
    m2 = ClusterModel()
    m2.replace_all(SERVICE, [svc("web", "demo")], 0.0)
    m2.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[ep("10.0.0.1", "web-0")], ns="demo")], 0.0)
    m2.replace_all(POD, [pod("web-0", "10.0.0.1", ns="demo")], 0.0)
    assert "?" not in head(m2) and R.namespace_gaps(m2, "demo") == ""


def test_headless_pod_names_are_not_told_from_refused_slices():
    from svctui.ui import details

    m = ClusterModel()
    m.replace_all(SERVICE, [svc("web", "demo", ip="None", headless=True)], 0.0)
    m.replace_all(ENDPOINTSLICE, [slice_("web-a", eps=[ep("10.0.0.1", "web-0", hostname="web-0")], ns="demo")],
                  0.0)
    m.replace_all(POD, [], 0.0)
    assert "web-0.web.demo.svc" in details.for_selection(m, ("svc", WEB), 0.0).plain
    m.forbid(ENDPOINTSLICE, "demo")  # e.g. the role was revoked: the slice above is stale now
    text = details.for_selection(m, ("svc", WEB), 0.0).plain
    assert "web-0.web.demo.svc" not in text
    assert "per pod (headless): not known, its EndpointSlices cannot be read" in text
