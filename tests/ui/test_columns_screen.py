"""The tree's rows as drawn, on the demo sim, at the widths of issue 15: at 80 columns the
columns give way by priority (never the IP, the state or the badge); at 120 nothing is cut that fits,
and a 63-character Service name (created with kubectl) shows whole, or as much of it as fits."""

from __future__ import annotations

import asyncio

from textual.geometry import Region

from tests.conftest import make_kubectl

from .conftest import make_app, wait_for
from .simops import delete_and_hold
from .snap import check_snapshot
from .test_snapshots import drain, nginx_ips, opened

NAME63 = "a-very-long-service-name-that-goes-on-and-on-until-the-end-of63"
LONG_SVC = f"""apiVersion: v1
kind: Service
metadata:
  name: {NAME63}
  namespace: default
spec:
  selector:
    app: nginx
  ports:
  - port: 80
"""


def drawn(app) -> list[str]:
    """The tree's lines as the terminal gets them (the tree's own rendering, guides included)."""
    tree = app.main.tree
    return [s.text.rstrip() for s in tree.render_lines(Region(0, 0, tree.size.width, tree.size.height))]


def line_of(lines: list[str], needle: str) -> str:
    found = [line for line in lines if needle in line]
    assert found, (needle, lines)
    return found[0]


def pods(app) -> dict[str, tuple[str, str]]:
    """nginx-service's endpoints: IP → (pod, node)."""
    view = app.main.model.topology.view(("default", "nginx-service"))
    return {ip: (r.endpoint.target_name, r.endpoint.node_name) for ip, r in view.rows.items()}


async def test_at_80_columns_the_spec_gives_way_and_ip_state_badge_stay(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        lines = drawn(app)
        assert all(len(line) <= app.main.tree.scrollable_content_region.width for line in lines)
        services = app.main.model.store.services
        for name in ("multi-port-service", "nginx-nodeport", "nginx-service", "web-loadbalancer"):
            row = line_of(lines, f"▶ {name} ") if name != "nginx-service" else line_of(lines, f"▼ {name} ")
            assert services[("default", name)].cluster_ip in row, row
            assert " ready" in row, row
        # multi-port-service's three ports are the first to go; its selector stays.
        multi = line_of(lines, "multi-port-service")
        assert "443→https" not in multi and "app=my-app" in multi
        # web-loadbalancer's two findings: the badge keeps its mark and count, the IP stays whole.
        lb = line_of(lines, "web-loadbalancer")
        assert "⚠ 2 findings" in lb and lb.rstrip().endswith("<pending>"), lb
        # Endpoint rows: the node gives way, the pod's name is whole (it fits without the node).
        for ip, (pod, node) in pods(app).items():
            row = line_of(lines, f" {ip} ")
            assert "ready" in row and row.endswith(pod) and node not in row, row


async def test_with_a_scrollbar_a_pod_row_keeps_its_ends(demo):
    """Mid-recovery at 80×24 the tree overflows: its scrollbar takes a column (Widget.size still counts
    it), and a row cut for 80 would lose the pod's hash suffix, the part that tells pods apart."""
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        gone = {ip: pod for ip, (pod, _) in pods(app).items()}
        sim.call(delete_and_hold())
        await wait_for(pilot, lambda: len(nginx_ips(app)) == 3 and not (nginx_ips(app) & set(gone)), what="new IPs")
        await drain(pilot, sim)
        assert app.main.tree.show_vertical_scrollbar
        lines = drawn(app)
        room = app.main.tree.scrollable_content_region.width
        assert all(len(line) <= room for line in lines), (room, lines)
        for ip, (pod, _) in pods(app).items():
            row = line_of(lines, f" {ip} ")
            assert "not ready" in row and "new " in row and row.endswith(pod[-5:]) and row.count("nginx") == 1, row
        for ip, pod in gone.items():
            row = line_of(lines, f" {ip} ")
            assert "gone" in row and row.endswith(pod[-5:]), row


async def test_at_120_columns_pod_names_and_nodes_are_whole(demo):
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, sim)
        lines = drawn(app)
        for ip, (pod, node) in pods(app).items():
            row = line_of(lines, f" {ip} ")
            assert row.endswith(f"{pod}  {node}"), row
        assert "443→https/TCP,9090→9090/TCP  app=my-app" in line_of(lines, "multi-port-service")


async def test_a_63_character_service_name_shows_as_much_as_fits(demo, tmp_path):
    sim, cfg = demo
    kubectl = make_kubectl(sim, tmp_path)
    await asyncio.to_thread(kubectl, "apply", "-f", "-", input=LONG_SVC)
    for width, whole in ((120, True), (80, False)):
        app = make_app(cfg, namespace="default", all_namespaces=False)
        async with app.run_test(size=(width, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.synced and ("default", NAME63) in app.main.tree.services_shown(),
                           what="the long Service")
            await wait_for(pilot, lambda: "3/3 ready" in app.main.tree.service_node(("default", NAME63)).label.plain,
                           what="its endpoints")
            await drain(pilot, sim)
            lines = drawn(app)
            ip = app.main.model.store.services[("default", NAME63)].cluster_ip
            row = line_of(lines, ip)
            if whole:
                assert f"{NAME63}  3/3 ready" in row, row
            else:
                name = row.split("▶ ", 1)[1].split("  ", 1)[0]
                assert "…" in name and name.startswith("a-very-long-") and name.endswith("end-of63"), row
                assert len(name) > 28 and "3/3 ready" in row, row  # more than the old cap of 27 + …
            # Every Service of the namespace has its status at the same column as the long one.
            at = row.index("3/3 ready")
            assert line_of(lines, "nginx-service ").index("3/3 ready") == at


async def test_snapshot_demo_tree_at_both_sizes(demo, tmp_path):
    """The demo with a 63-character Service added, nginx-service open: at 80×24 ports and nodes give
    way and the long name is cut in the middle; at 160×45 every column and the whole name show, and
    the quiet timeline stays one line (the tree gets the rows)."""
    sim, cfg = demo
    kubectl = make_kubectl(sim, tmp_path)
    await asyncio.to_thread(kubectl, "apply", "-f", "-", input=LONG_SVC)
    for w, h in ((80, 24), (160, 45)):
        app = make_app(cfg, service="nginx-service")
        async with app.run_test(size=(w, h)) as pilot:
            await opened(pilot, sim)
            await wait_for(pilot, lambda: ("default", NAME63) in app.main.tree.services_shown(), what="the long Service")
            await wait_for(pilot, lambda: "3/3 ready" in app.main.tree.service_node(("default", NAME63)).label.plain,
                           what="its endpoints")
            await drain(pilot, sim)
            assert app.query_one("#bottom").outer_size.height == 1
            row = line_of(drawn(app), app.main.model.store.services[("default", NAME63)].cluster_ip)
            assert (NAME63 in row) == (w == 160), row
            check_snapshot(app, f"demo_tree_{w}x{h}")


async def test_a_resize_refits_the_rows(demo):
    """Lines are cached by what they read: the width is part of it, so 120 → 80 → 120 columns draws
    the drops and then the whole rows again."""
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(120, 40)) as pilot:
        await opened(pilot, sim)
        wide = line_of(drawn(app), "multi-port-service")
        assert "443→https/TCP" in wide
        await pilot.resize_terminal(80, 24)
        await drain(pilot)
        narrow = line_of(drawn(app), "multi-port-service")
        assert "443→https" not in narrow and "app=my-app" in narrow and len(narrow) <= 79, narrow
        await pilot.resize_terminal(120, 40)
        await drain(pilot)
        assert line_of(drawn(app), "multi-port-service") == wide


async def test_the_tree_does_not_scroll_sideways_into_blank(demo):
    """Rows are fitted to the width, so nothing is right of them: → and the mouse's sideways scroll
    must not move the tree's lines off their start (the IP and state at the left)."""
    sim, cfg = demo
    app = make_app(cfg, service="nginx-service")
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, sim)
        await pilot.press("right", "right", "right")
        await pilot.pause(0.1)
        assert app.main.tree.scroll_x == 0
        assert line_of(drawn(app), "nginx-service ").startswith("├─ ▼ nginx-service")
