"""Pilot tests through the real path: kubeconfig → HTTP → watch → model → screen, against the sim."""

from __future__ import annotations

import time

from svctui.kube.state import RECONNECTING
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig
from svctui.ui.app import SvctuiApp
from svctui.ui.clock import FrozenClock
from svctui.ui.screens.confirm import ConfirmDelete
from svctui.ui.screens.pick import PickScreen
from tests.conftest import start_sim

from .conftest import T0, labels, make_app, wait_for
from .simops import pod_names

NGINX = ("default", "nginx-service")


def ips(app: SvctuiApp, key) -> set[str]:
    view = app.main.model.topology.view(key)
    return set(view.rows) if view else set()


async def ready_app(pilot, what="the tree"):
    app = pilot.app
    await wait_for(pilot, lambda: app.main.synced and app.main.tree.services_shown(), what=what)
    return app


async def test_tree_populates_from_the_sim(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_app(pilot)
        await wait_for(pilot, lambda: len(ips(app, NGINX)) == 3, what="nginx endpoints")
        shown = set(app.main.tree.services_shown())
        assert {NGINX, ("demo", "db"), ("demo", "db-typo"), ("default", "external-db")} <= shown
        text = "\n".join(labels(app))
        assert "selector matches no pods" in text
        assert "→ database.example.com" in text
        assert "<pending>" in text
        # The watches open just after the lists that filled the tree: wait for the header to say so.
        await wait_for(pilot, lambda: "● watching (6 streams)" in app.query_one("#hdr-left").render().plain,
                       what="six watching streams in the header")


async def test_service_argument_opens_it_down_to_endpoints(demo):
    sim, cfg = demo
    app = make_app(cfg, namespace="demo", all_namespaces=False, service="db")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        await pilot.pause(0.1)
        node = app.main.tree.cursor_node
        assert node is not None and node.data == ("svc", ("demo", "db"))
        assert node.is_expanded and all(c.is_expanded for c in node.children if c.allow_expand)
        db_ip = next(iter(ips(app, ("demo", "db"))))
        assert any(db_ip in line for line in labels(app))
        assert app.main.tree.service_node(("default", "nginx-service")) is None  # -n demo watches demo only


async def test_deleting_nginx_pods_shows_ghosts_new_ips_and_recovery(demo):
    sim, cfg = demo
    app = make_app(cfg, clock=time.time, service="nginx-service", tick=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_app(pilot)
        await wait_for(pilot, lambda: len(ips(app, NGINX)) == 3, what="3 nginx endpoints")
        old = ips(app, NGINX)
        assert app.main.tree.cursor_node.data == ("svc", NGINX)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="confirmation")
        confirm = app.screen
        assert sorted(p.name for p in confirm.pods) == sim.call(lambda c: pod_names(c, "default", "nginx"))
        assert confirm.equivalent == "kubectl delete pods -l app=nginx -n default"
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDelete), what="confirm closes")

        def recovered():
            now = ips(app, NGINX)
            return len(now) == 3 and not (now & old) and "recovered in" in app.main.tree.service_node(NGINX).label.plain
        await wait_for(pilot, recovered, timeout=20, what="recovery")
        await pilot.pause(0.3)
        text = labels(app)
        for ip in old:
            assert any(line.startswith("− " + ip) and "gone" in line for line in text), (ip, text)
        for ip in ips(app, NGINX):
            assert any(line.startswith("+ " + ip) and "new" in line for line in text), (ip, text)
        assert "⟲ recovered in" in app.main.tree.service_node(NGINX).label.plain
        timeline = app.query_one("#timeline-pane").render().plain
        assert "nginx-service" in timeline and "→ gone" in timeline


async def test_read_only_hides_and_refuses_delete(demo):
    sim, cfg = demo
    app = make_app(cfg, read_only=True, service="nginx-service")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        before = sim.call(lambda c: pod_names(c, "default", "nginx"))
        await pilot.press("ctrl+d")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmDelete)
        assert any("read-only" in n.message for n in app._notifications)
        assert sim.call(lambda c: pod_names(c, "default", "nginx")) == before
        shown = [ab.binding.id for ab in app.active_bindings.values() if ab.binding.show]
        assert "delete" not in shown
        assert "read-only" in app.query_one("#hdr-left").render().plain


async def test_read_only_action_layer_refuses():
    import pytest

    from svctui.kube import actions

    with pytest.raises(actions.ReadOnlyError, match="read-only"):
        await actions.delete_pods(None, [actions.PodRef("default", "x", "u")], read_only=True)


async def test_delete_error_is_shown_not_raised(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        await wait_for(pilot, lambda: len(ips(app, NGINX)) == 3, what="nginx endpoints")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="confirmation")
        # The pods go away behind our back (someone else's kubectl): a stale uid must not delete the new ones.
        victims = sim.call(lambda c: pod_names(c, "default", "nginx"))
        sim.call(lambda c: [c.api.delete(R.PODS, "default", n) for n in victims])
        sim.call(lambda c: c.settle())
        # Wait until the old pods are really gone from the sim, so every delete answers 404.
        await wait_for(pilot, lambda: not (set(victims) & {k[1] for k in app.main.model.store.pods}), what="old pods gone")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen.state == "done", what="results")
        assert isinstance(app.screen, ConfirmDelete)
        assert "not deleted" in app.screen.query_one("#confirm-status").render().plain
        await pilot.press("escape")
        assert not isinstance(app.screen, ConfirmDelete)


async def test_filter_and_escape(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        await pilot.press("slash", *"nginx")
        await pilot.pause(0.1)
        assert set(app.main.tree.services_shown()) == {NGINX, ("default", "nginx-node" + "port")}
        await pilot.press("enter")
        assert app.focused is app.main.tree
        assert "filter: nginx" in app.query_one("#hdr-left").render().plain
        # An endpoint IP finds its Service too.
        db_ip = next(iter(ips(app, ("demo", "db"))))
        await pilot.press("slash", *(["backspace"] * 5), *db_ip)
        await pilot.pause(0.1)
        assert app.main.tree.services_shown() == [("demo", "db")]
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert len(app.main.tree.services_shown()) > 5


async def test_namespace_switch(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), what="namespace picker")
        assert {"all", "default", "demo"} <= set(app.screen.choices)
        await pilot.press(*"demo", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, PickScreen), what="picker closes")
        await pilot.pause(0.1)
        assert {k[0] for k in app.main.tree.services_shown()} == {"demo"}
        assert "ns demo" in app.query_one("#hdr-left").render().plain
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), what="namespace picker")
        await pilot.press(*"all", "enter")
        await pilot.pause(0.2)
        assert {"default", "demo"} <= {k[0] for k in app.main.tree.services_shown()}


async def test_namespace_switch_restarts_a_namespaced_watch(demo):
    sim, cfg = demo
    app = make_app(cfg, namespace="default", all_namespaces=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        gen = app.main.gen
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), what="namespace picker")
        await pilot.press(*"demo", "enter")
        await wait_for(pilot, lambda: app.main.gen > gen and app.main.synced and app.main.tree.services_shown(), what="new watch")
        assert {k[0] for k in app.main.tree.services_shown()} == {"demo"}


async def test_cursor_and_expansion_survive_updates(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_app(pilot)
        await wait_for(pilot, lambda: len(ips(app, NGINX)) == 3, what="nginx endpoints")
        tree = app.main.tree
        nginx = tree.service_node(NGINX)
        nginx.expand()
        db = tree.service_node(("demo", "db"))
        db.collapse()
        tree.service_node(("demo", "api")).collapse()
        await pilot.pause(0.05)
        tree.move_cursor(db)
        await pilot.pause(0.05)
        assert tree.cursor_node is db
        before_line = tree.cursor_line
        sim.call(lambda c: [c.api.delete(R.PODS, "default", n) for n in pod_names(c, "default", "nginx")])
        old = ips(app, NGINX)
        await wait_for(pilot, lambda: len(ips(app, NGINX)) == 3 and not (ips(app, NGINX) & old), timeout=20,
                       what="new nginx IPs")
        await pilot.pause(0.2)
        assert tree.service_node(NGINX) is nginx and nginx.is_expanded
        assert tree.service_node(("demo", "db")) is db and not db.is_expanded
        assert tree.cursor_node is db
        # Rows above the cursor grew (ghosts, new IPs): the cursor moved with its row.
        assert tree.cursor_line > before_line


async def test_cursor_on_a_vanishing_endpoint_follows_it_to_its_ghost_row(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready_app(pilot)
        await wait_for(pilot, lambda: len(ips(app, NGINX)) == 3, what="nginx endpoints")
        await pilot.pause(0.1)
        tree = app.main.tree
        ip = sorted(ips(app, NGINX))[0]
        assert tree.select_data(("ep", NGINX, ip))
        pod = app.main.model.store.pods.get(("default", app.main.model.topology.view(NGINX).rows[ip].endpoint.target_name))
        sim.call(lambda c: c.api.delete(R.PODS, "default", pod.name))
        await wait_for(pilot, lambda: ip not in ips(app, NGINX), timeout=20, what="endpoint gone")
        await pilot.pause(0.1)
        assert tree.cursor_node.data == ("ghost", NGINX, ip)


async def test_idle_tick_repaints_nothing(demo):
    sim, cfg = demo
    clock = FrozenClock(T0)
    app = make_app(cfg, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        sim.call(lambda c: c.settle())
        await pilot.pause(0.3)
        n = app.main.tree.updates
        app.main.tick()
        clock.advance(5)
        app.main.tick()
        await pilot.pause(0.05)
        assert app.main.tree.updates == n


async def test_a_burst_is_one_repaint(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        sim.call(lambda c: c.settle())
        await pilot.pause(0.3)
        start = app.main.repaints
        sim.call(lambda c: [c.api.delete(R.PODS, "default", n) for n in pod_names(c, "default", "nginx")])
        sim.call(lambda c: c.settle())
        await pilot.pause(0.5)
        batches = app.main.repaints - start
        assert 1 <= batches < 15, batches  # a dozen watch batches at most, never one repaint per event


async def test_a_repaint_of_many_rows_is_shared_out_screen_first(tmp_path, monkeypatch):
    # What the pods' join does at 10,000 Services, at 60: every row dirty at once.
    import svctui.ui.tree_rows as tree_rows
    monkeypatch.setattr(tree_rows, "REPAINT_BUDGET", 10)
    sim = start_sim(["scale:services=60,pods=120"], seed=3)
    try:
        app = make_app(write_kubeconfig(tmp_path / "kubeconfig", sim.url))
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.complete and len(app.main.tree.services_shown()) >= 60, what="60 Services")
            await pilot.pause(0.2)
            keys = set(app.main.model.topology.service_keys())
            on_screen = app.main.tree.keys_in_view()
            assert 5 < len(on_screen) < len(keys)
            before = app.main.rows.findings.diagnosed
            app.main.rows.dirty |= keys
            app.main.rows.diag_dirty |= keys
            app.main._repaint()
            first = app.main.rows.findings.diagnosed - before
            assert first <= 10 + len(on_screen) and not app.main.rows.diag_dirty & on_screen
            await wait_for(pilot, lambda: not app.main.rows.dirty and not app.main.rows.diag_dirty, what="the rest, in later repaints")
            assert app.main.rows.findings.diagnosed - before == len(keys)
    finally:
        sim.stop()


async def test_reconnecting_when_the_cluster_goes_away(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        shown = len(app.main.tree.services_shown())
        sim.stop()
        await wait_for(pilot, lambda: any(s.state == RECONNECTING for s in app.main.states.values()), what="reconnecting")
        await pilot.pause(0.1)
        header = app.query_one("#hdr-left").render().plain
        assert "stale: last update" in header and "connection refused" in header, header
        assert len(app.main.tree.services_shown()) == shown  # what we knew stays on screen


async def test_bad_context_is_reported_in_the_header(demo):
    sim, cfg = demo
    app = make_app(cfg, context="nope")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.failure, what="failure")
        await pilot.pause(0.05)
        assert "lost:" in app.query_one("#hdr-left").render().plain
        assert "nope" in app.main.failure


async def test_help_lists_binding_ids(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        text = app.screen.query_one("#help-text").render().plain
        # Keys and words, as k9s's help reads; the ids only in the keymap view (i).
        assert "^d  Delete pods" in text and "l  Lookup" in text and "pane.next" not in text
        await pilot.press("i")
        text = app.screen.query_one("#help-text").render().plain
        for bid in ("filter", "namespace", "context", "delete", "pane.next", "quit"):
            assert any(line.split()[:1] == [bid] for line in text.splitlines()), bid
        await pilot.press("escape")


async def test_keys_are_remappable_by_id(demo):
    sim, cfg = demo
    app = make_app(cfg, keymap={"filter": "f"})
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        await pilot.press("f")
        await pilot.pause(0.05)
        assert app.focused is app.query_one("#filter")


async def test_tab_cycles_panes(demo):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready_app(pilot)
        assert app.focused is app.main.tree
        await pilot.press("tab")
        assert app.focused.id == "timeline-pane"
        await pilot.press("tab")
        assert app.focused.id == "details-pane"
        assert app.query_one("#bottom").current == "details-pane"
        for kind in ("lookup", "curl", "lb", "dns"):  # the command panes: focus lands in their input
            await pilot.press("tab")
            assert app.focused.id == f"{kind}-input" and app.query_one("#bottom").current == f"{kind}-pane"
        await pilot.press("tab")
        assert app.focused is app.main.tree


def _expanded(app: SvctuiApp) -> set:
    return {k for k, n in app.main.tree._svc_nodes.items() if n.is_expanded}


async def test_a_late_sync_opens_the_same_small_tree_as_a_timely_one(empty):
    """sync_timeout=0: the tree is first built before any list is in. It must not decide "small" on
    that empty picture, and once the lists are in it opens exactly what a timely sync opens."""
    sim, cfg = empty
    opened = []
    for timeout in (30.0, 0.0):
        app = make_app(cfg, sync_timeout=timeout)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.main.complete and len(app.main.tree.services_shown()) >= 2, what="the tree")
            await pilot.pause(0.2)
            opened.append(_expanded(app))
    # The empty cluster (kubernetes, kube-dns) is small: a timely sync opens both Services.
    assert opened[0] == {("default", "kubernetes"), ("kube-system", "kube-dns")}
    assert opened[1] == opened[0]


async def test_a_late_sync_of_a_large_tree_opens_no_service(tmp_path):
    sim = start_sim(["scale:services=60,pods=120"], seed=3)
    try:
        cfg = write_kubeconfig(tmp_path / "kubeconfig", sim.url)
        app = make_app(cfg, sync_timeout=0.0)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: len(app.main.tree.services_shown()) >= 60, what="60 Services")
            await wait_for(pilot, lambda: all(s.state == "watching" for s in app.main.states.values())
                           and len(app.main.states) == 6, what="six watching streams")
            await pilot.pause(0.2)
            assert not _expanded(app)
    finally:
        sim.stop()
