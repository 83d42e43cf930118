"""Hostile text from the cluster and the command line reaches the screen as literal text, through the real
path (kubeconfig → HTTP → sim → app): markup is not interpreted (a toast used to parse it, and
`[/var/run]` killed the app with MarkupError), escape sequences are removed, invisible characters are
shown as escapes, and nothing crashes."""

from __future__ import annotations

import pytest
from textual.widgets._toast import Toast

from .conftest import labels, make_app, wait_for
from .test_panes import NGINX, confirm, debug_pods, done, opened

# Each one either crashed a markup parser, restyled text, or hid itself on a terminal.
HOSTILE = [
    ("[link=a:b]c", "[link=a:b]c"),
    ("[bold red]X", "[bold red]X"),
    ("[/var/run]", "[/var/run]"),
    ("[/]", "[/]"),
    ("a\x1b[2Jb\x1b]0;title\x07c", "abc"),
    ("we\u200bb", "we\\u200bb"),
    ("x\u202ey\ufeff", "x\\u202ey\\ufeff"),
]


def toasts(app) -> list[str]:
    return [t.render().plain for t in app.screen.query(Toast)]


def header(app) -> str:
    return app.query_one("#hdr-left").render().plain


@pytest.mark.parametrize("raw,shown", HOSTILE, ids=[s for _, s in HOSTILE])
async def test_the_cli_target_is_literal_in_its_not_found_toast(demo, raw, shown):
    sim, cfg = demo
    app = make_app(cfg, service=raw, namespace="default", all_namespaces=False)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_count(), what="tree")
        found = await wait_for(pilot, lambda: [t for t in toasts(app) if "not found" in t], what="toast")
        await pilot.pause(0.2)  # the toast is drawn (the MarkupError was raised while drawing it)
        assert f"Service default/{shown} not found" in found[0]
        assert "\x1b" not in found[0] and "\u200b" not in found[0]
        assert app.is_running and app.return_code is None


@pytest.mark.parametrize("raw,shown", HOSTILE[:3] + HOSTILE[4:], ids=[s for _, s in HOSTILE[:3] + HOSTILE[4:]])
async def test_a_filter_is_literal_in_the_header(demo, raw, shown):
    sim, cfg = demo
    app = make_app(cfg)
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.main.synced, what="sync")
        await pilot.press("slash")
        for ch in raw:
            await pilot.press(ch) if ch.isalnum() else app.query_one("#filter").insert_text_at_cursor(ch)
        await pilot.pause(0.2)
        assert f"filter: {shown}" in header(app)
        assert "no Service matches" in app.main.details_text().plain


async def test_an_admission_webhook_denial_is_literal_in_the_probe_toast(demo):
    """A policy engine's message goes to the user verbatim: this one has markup that crashed the toast,
    an escape sequence that clears the screen and sets the window title, and a zero-width space."""
    sim, cfg = demo
    message = "hostPath [/var/run] is not allowed; ask [bold red]team[/] \x1b[2J\x1b]0;pwned\x07now\u200b"
    sim.call(lambda c: c.server.deny.update({("create", "pods", "default"): ("policy.example.com", message)}))
    app = make_app(cfg)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("p")
        await confirm(pilot, "default")
        found = await wait_for(pilot, lambda: [t for t in toasts(app) if "stopped" in t], what="probe toast")
        await pilot.pause(0.2)
        text = found[0]
        assert "probe of nginx-service stopped" in text
        assert 'admission webhook "policy.example.com" denied the request' in text
        assert "hostPath [/var/run] is not allowed; ask [bold red]team[/] now\\u200b" in " ".join(text.split())
        assert "\x1b" not in text and "pwned" not in text
        assert app.is_running and app.return_code is None
    assert debug_pods(sim) == []


async def test_a_namespace_name_with_markup_is_literal_in_the_header(demo):
    sim, cfg = demo
    app = make_app(cfg, namespace="[bold red]X", all_namespaces=False)
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.main.synced, what="sync")
        await pilot.pause(0.2)
        assert "ns [bold red]X" in header(app)
        assert app.is_running


async def test_an_api_error_on_delete_is_literal_in_the_confirm_dialog(demo):
    from svctui.ui.screens.confirm import ConfirmDelete

    sim, cfg = demo
    message = "pods in [/var/run] are protected [link=a:b]c\x1b[2J\u200b"
    sim.call(lambda c: c.server.deny.update({("delete", "pods", "default"): ("guard.example.com", message)}))
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="confirmation")
        await pilot.press("y")
        screen = app.screen
        await wait_for(pilot, lambda: screen.state == "done", what="deletion refused")
        await pilot.pause(0.2)
        pods = " ".join(screen.query_one("#confirm-pods").render().plain.split())
        assert 'admission webhook "guard.example.com" denied the request: pods in [/var/run] are protected ' \
               "[link=a:b]c\\u200b" in pods
        assert "\x1b" not in pods
        assert app.is_running and app.return_code is None


async def test_a_hostile_context_name_and_its_error_are_literal(demo, tmp_path):
    """Context names come from a kubeconfig someone sent; switching to a broken one is an error toast."""
    import yaml

    from svctui.ui.screens.pick import PickScreen

    sim, cfg = demo
    doc = yaml.safe_load(cfg.read_text())
    evil = "[/var/run]\x1b]0;t\x07\u200b"
    doc["clusters"].append({"name": "broken", "cluster": {}})
    doc["contexts"].append({"name": evil, "context": {"cluster": "broken", "user": doc["users"][0]["name"]}})
    cfg.write_text(yaml.safe_dump(doc))
    app = make_app(cfg)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.main.synced, what="sync")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen), what="context picker")
        options = app.screen.query_one("#pick-list")
        shown = [options.get_option_at_index(i).prompt.plain for i in range(options.option_count)]
        assert "[/var/run]\\u200b" in shown
        options.highlighted = shown.index("[/var/run]\\u200b")
        await pilot.press("enter")
        found = await wait_for(pilot, lambda: [t for t in toasts(app) if "cannot watch" in t], what="error toast")
        await pilot.pause(0.2)
        assert "context '[/var/run]" in found[0] and "has no server" in found[0]
        assert "\x1b" not in found[0] and "ctx [/var/run]\\u200b" in header(app)
        assert app.is_running and app.return_code is None


async def _hostile_pages(cfg, sim) -> None:
    """Each nginx pod serves a page with markup, a screen clear, a window title and a zero-width space
    (written by an exec into the pod, as anyone with exec rights could)."""
    from svctui.kube.config import load_target
    from svctui.kube.exec import Executor

    from .simops import pod_names

    names = sim.call(lambda c: pod_names(c, "default", "nginx"))
    target = await load_target(kubeconfig=str(cfg), context=None, namespace="default")
    try:
        async with Executor(target.api) as ex:
            for i, name in enumerate(names, 1):
                page = f"Pod [bold red]{i}[/] \\033[2J\\033]0;t\\a[/var/run]\u200b"
                r = await ex.run("default", name, ["sh", "-c", f"printf '{page}\\n' > /usr/share/nginx/html/index.html"])
                assert r.exit_code == 0
    finally:
        await target.close()


async def test_a_hostile_page_is_literal_in_the_curl_and_balance_panes(demo):
    sim, cfg = demo
    await _hostile_pages(cfg, sim)
    app = make_app(cfg)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await opened(pilot, NGINX)
        await pilot.press("u")
        await confirm(pilot, "default")
        pane = await done(pilot, "curl")
        out = pane.plain_output()
        assert "[/var/run]\\u200b" in out and "Pod [bold red]" in out, out
        assert "\x1b" not in out and "\u200b" not in out
        await pilot.press("escape", "b")  # the curl pane took the keys when it opened
        lb = await done(pilot, "lb", runs=10)
        out = lb.plain_output()
        rows = [line for line in out.splitlines() if line.startswith("Pod [bold red]")]
        assert len(rows) == 3 and all("[/] [/var/run]\\u20" in line for line in rows), out  # cut to the column
        assert "last: #" in out and "[/] [/var/run]\\u200b" in out
        assert "\x1b" not in out and "\u200b" not in out
        assert app.is_running and app.return_code is None
    assert debug_pods(sim) == []


ZONE = "[bold red]X[/] \x1b[2J\x1b]0;t\x07[/var/run]\u200b"


async def test_a_hostile_zone_on_a_hand_made_slice_is_literal_in_the_tree_and_details(demo, tmp_path):
    """A selector-less Service's EndpointSlice is written by whoever manages it; the sim stores its
    endpoints' zone as given, and the tree and the details pane show it."""
    import json

    from tests.conftest import Kubectl

    sim, cfg = demo
    kubectl = Kubectl(cfg, tmp_path / "cache")
    kubectl("create", "service", "clusterip", "manual", "--tcp=80", "-n", "default")
    kubectl("patch", "service", "manual", "-n", "default", "--type=json",
            "-p", '[{"op": "remove", "path": "/spec/selector"}]')
    slice_ = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
              "metadata": {"name": "manual-1", "namespace": "default",
                           "labels": {"kubernetes.io/service-name": "manual"}},
              "addressType": "IPv4", "ports": [{"name": "80", "port": 80, "protocol": "TCP"}],
              "endpoints": [{"addresses": ["10.1.2.3"], "conditions": {"ready": True}, "zone": ZONE}]}
    kubectl("apply", "-f", "-", input=json.dumps(slice_))
    app = make_app(cfg, service="manual", namespace="default", all_namespaces=False)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        key = ("default", "manual")
        await wait_for(pilot, lambda: app.main.synced and app.main.tree.service_node(key), what="row")
        app.main.tree.reveal(key)
        node = app.main.tree.service_node(key)
        node.expand_all()
        await wait_for(pilot, lambda: any("10.1.2.3" in line for line in labels(app)), what="endpoint row")
        row = next(line for line in labels(app) if "10.1.2.3" in line)
        assert "[bold red]X[/] [/var/run]\\u200b" in row and "\x1b" not in row, row
        line = next(n for n in range(app.main.tree.last_line + 1)
                    if "10.1.2.3" in app.main.tree.get_node_at_line(n).label.plain)
        app.main.tree.cursor_line = line
        app.main.bottom.show("details")
        await pilot.pause(0.2)
        details = app.query_one("#details").render().plain
        assert "[bold red]X[/] [/var/run]\\u200b" in details and "\x1b" not in details, details
        assert app.is_running and app.return_code is None
