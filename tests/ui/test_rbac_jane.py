"""jane, bound to `view` in demo only (scenario rbac-limited), against a sim whose RBAC is real: what her
screen says it cannot read, and mutations asked of the cluster (SelfSubjectAccessReview) before they are
offered. The real path throughout: kubeconfig context svctui-sim-jane → token → the sim's authorizer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from svctui.model.store import POD, SERVICE
from svctui.sim import resources as R
from svctui.sim.runner import SimThread
from svctui.ui.panes.screens import ConfirmDebugPod
from svctui.ui.screens.confirm import ConfirmDelete
from tests.conftest import start_secure_sim

from .conftest import make_app, wait_for
from .test_panes import debug_pods

API = ("demo", "api")


@pytest.fixture
def limited(tmp_path) -> Iterator[tuple[SimThread, Path]]:
    sim = start_secure_sim(["demo", "rbac-limited"], auth="token", users=("jane",))
    yield sim, sim.write_kubeconfig(tmp_path / "kubeconfig")
    sim.stop()


def header(app) -> str:
    return app.query_one("#hdr-left").render().plain


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def grant_edit(sim: SimThread) -> None:
    sim.call(lambda c: c.api.create(R.ROLEBINDINGS, "demo", {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "jane-edit"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "jane"}]}))


async def test_jane_sees_demo_and_is_told_what_she_cannot_read(limited):
    sim, cfg = limited
    app = make_app(cfg, context="svctui-sim-jane")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.main.tree.services_shown()) == 3, what="demo's services")
        assert sorted(app.main.tree.services_shown()) == [("demo", "api"), ("demo", "db"), ("demo", "db-typo")]
        try:
            await wait_for(pilot, lambda: "forbidden: EndpointSlices, Pods, Services, Deployments, ReplicaSets, StatefulSets in default"
                           in header(app),
                           what="the header's mention of what is forbidden")
        except AssertionError:
            raise AssertionError(header(app)) from None
        gaps = {g.text for g in app.main.model.access.gaps("default", (SERVICE, POD))}
        assert gaps == {"not permitted to list Services in default", "not permitted to list Pods in default"}
        assert not list(app.main.model.access.gaps("demo", (SERVICE, POD)))


async def test_ctrl_d_asks_the_cluster_first(limited):
    sim, cfg = limited
    app = make_app(cfg, context="svctui-sim-jane", service="api")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(API) and app.main.model.pods_known("demo"),
                       what="demo's tree")
        app.main.tree.reveal(API)
        await pilot.pause(0.2)
        await pilot.press("ctrl+d")
        want = "not permitted to delete pods in demo: svctui does not offer to delete them"
        await wait_for(pilot, lambda: want in messages(app), what="the refusal")
        assert not isinstance(app.screen, ConfirmDelete)
        # The answer is the cluster's, not a guess: once jane may delete, the confirmation is offered.
        grant_edit(sim)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="the confirmation")
        await pilot.press("n")


async def test_no_debug_pod_offered_without_create_and_exec(limited):
    sim, cfg = limited
    app = make_app(cfg, context="svctui-sim-jane", service="db", namespace="demo")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(("demo", "db")), what="tree")
        app.main.tree.reveal(("demo", "db"))
        await pilot.pause(0.2)
        await pilot.press("l")
        pane = app.main.pane("lookup")
        want = "not permitted to create pods, create pods/exec in demo: svctui cannot run a debug pod there"
        await wait_for(pilot, lambda: want in pane.plain_output(), what="the refusal in the pane")
        assert not isinstance(app.screen, ConfirmDebugPod)
        assert debug_pods(sim) == []
