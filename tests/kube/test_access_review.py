"""SelfSubjectAccessReview through kubernetes_asyncio against the sim's authorizer: yes, no, and unknown
(the review itself refused) which must not read as no."""

from __future__ import annotations

from svctui.kube import access_review as A
from svctui.kube.config import load_target
from tests.conftest import start_secure_sim


async def test_answers_follow_rbac(tmp_path):
    sim = start_secure_sim(["rbac-limited"], auth="token", users=("jane",))
    try:
        cfg = sim.write_kubeconfig(tmp_path / "kubeconfig")
        jane = await load_target(str(cfg), "svctui-sim-jane")
        admin = await load_target(str(cfg))
        try:
            assert await A.can_i(jane.api, A.Permission("list", "pods", "demo")) is True
            assert await A.can_i(jane.api, A.Permission("delete", "pods", "demo")) is False
            assert await A.can_i(jane.api, A.Permission("get", "deployments", "demo", group="apps",
                                                         subresource="scale")) is True
            lacking = await A.missing(jane.api, A.debug_pod("demo"))
            assert A.refusal(lacking) == "not permitted to create pods, create pods/exec in demo"
            assert await A.missing(admin.api, A.debug_pod("demo")) == []
        finally:
            await jane.close()
            await admin.close()
    finally:
        sim.stop()


async def test_a_refused_review_is_unknown_not_no(sim, tmp_path):
    from svctui.sim.runner import write_kubeconfig

    sim.call(lambda c: c.server.forbid.add(("create", "selfsubjectaccessreviews", None)))
    target = await load_target(str(write_kubeconfig(tmp_path / "kubeconfig", sim.url)))
    try:
        assert await A.can_i(target.api, A.Permission("delete", "pods", "default")) is None
        assert await A.missing(target.api, A.delete_pods("default")) == []
    finally:
        await target.close()


def test_refusal_wording():
    assert A.refusal([]) == ""
    assert A.refusal(A.delete_pods("demo")) == "not permitted to delete pods in demo"
    assert A.Permission("patch", "deployments", "x", group="apps", subresource="scale").text == \
        "patch deployments.apps/scale"


def test_a_reply_that_is_not_json_reads_as_one_message():
    from svctui.kube.api import Reply

    assert Reply(200, "OK", {}, b"").json() is None
    assert Reply(200, "OK", {}, b'{"kind": "Status"}').json() == {"kind": "Status"}
    proxy = Reply(502, "Bad Gateway", {}, b"  <html>upstream gone</html>\n" + b"x" * 500)
    assert proxy.json(30) == {"message": "<html>upstream gone</html>\nx"}  # 30 bytes, then stripped
