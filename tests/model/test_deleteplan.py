"""What ctrl+d would delete, from plain model data: per row kind, and every reason to offer nothing."""

from svctui.model.cluster import ClusterModel
from svctui.model.deleteplan import DeletePlan, PodRef, delete_plan
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

from .build import ep, pod, slice_, svc

WEB = ("default", "web")


def model_with(services=(), slices=(), pods=(), *, pods_listed=True):
    m = ClusterModel()
    m.replace_all(SERVICE, services, 0.0)
    if pods_listed:
        m.replace_all(POD, pods, 0.0)
    m.replace_all(ENDPOINTSLICE, slices, 0.0)
    return m


def web_model(**kw):
    pods = [pod("web-a", "10.0.0.1"), pod("web-b", "10.0.0.2"), pod("web-c", "10.0.0.3", deleting=True),
            pod("other", "10.0.0.9", labels={"app": "other"})]
    eps = [ep("10.0.0.1", "web-a"), ep("10.0.0.2", "web-b"), ep("10.0.0.7")]
    return model_with([svc()],
                      [slice_("web-x", eps=eps)], pods, **kw)


def test_service_row_deletes_the_selected_pods_not_those_already_deleting():
    plan = delete_plan(web_model(), "svc", WEB)
    assert plan == DeletePlan("Delete all 2 pods behind Service default/web (selector app=web)?",
                              (PodRef("default", "web-a", "uid-web-a"), PodRef("default", "web-b", "uid-web-b")),
                              "kubectl delete pods -l app=web -n default")


def test_endpoint_row_deletes_its_pod():
    plan = delete_plan(web_model(), "ep", WEB, "10.0.0.2")
    assert plan == DeletePlan("Delete pod default/web-b (10.0.0.2)?", (PodRef("default", "web-b", "uid-web-b"),),
                              "kubectl delete pod web-b -n default")


def test_pod_row_deletes_that_pod():
    plan = delete_plan(web_model(), "pod", WEB, "other")
    assert isinstance(plan, DeletePlan) and plan.pods == (PodRef("default", "other", "uid-other"),)
    assert plan.equivalent == "kubectl delete pod other -n default"


def test_reasons_for_no_plan():
    m = web_model()
    assert delete_plan(m, None, None) == "select a Service or an endpoint to delete pods"
    assert delete_plan(m, "ns", None) == "select a Service or an endpoint to delete pods"
    assert delete_plan(m, "ep", WEB, "10.9.9.9") == "that endpoint is gone"
    assert delete_plan(m, "ep", WEB, "10.0.0.7") == "no pod known behind 10.0.0.7"
    assert delete_plan(m, "pod", WEB, "nope") == "that pod is gone"
    assert delete_plan(m, "ghost", WEB, "10.0.0.5") == "that endpoint is already gone"
    lonely = model_with([svc(no_selector=True)], [slice_("web-x", eps=[ep("10.0.0.1", "web-a")])], [])
    assert delete_plan(lonely, "svc", WEB) == "default/web has no selector: svctui cannot tell which pods are behind it"
    nobody = model_with([svc(selector={"app": "web", "tier": "fe"})], [], [pod("web-a", "10.0.0.1")])
    assert delete_plan(nobody, "svc", WEB) == "no pods match app=web,tier=fe in default"


def test_unlisted_pods_are_not_claimed_absent():
    m = web_model(pods_listed=False)
    assert delete_plan(m, "svc", WEB) == "the pods of default are not listed yet"
    assert delete_plan(m, "ep", WEB, "10.0.0.1") == "the pods of default are not listed yet"
    m.forbid(POD, "default")
    assert delete_plan(m, "svc", WEB) == "not permitted to list Pods in default: svctui cannot tell which pods to delete"
