"""Issue 15's "at 80×24 a five-Service namespace fits the first screen with its findings", on the
sim: every Service's row (status, badge, IP) is among the lines drawn. A namespace whose rows,
opened, fit the tree opens fully (its finding lines too); one that would open past the first screen
stays collapsed, so no Service is below the fold."""

from __future__ import annotations

import asyncio

from tests.conftest import make_kubectl

from .conftest import make_app, wait_for
from .test_columns_screen import drawn, line_of
from .test_findings import failures  # noqa: F401  (the fixture)
from .test_snapshots import drain

EXTRA = """apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: demo
spec:
  selector:
    app: {name}
  ports:
  - port: 80
"""


async def first_screen(app, pilot, sim) -> list[str]:
    await wait_for(pilot, lambda: app.main.synced and app.main.complete and app.main.tree.services_shown(), what="tree")
    await drain(pilot, sim)
    return drawn(app)


async def test_five_services_open_with_their_findings_on_the_first_screen(demo, tmp_path):
    sim, cfg = demo
    kubectl = make_kubectl(sim, tmp_path)
    for name in ("extra-a", "extra-b"):
        await asyncio.to_thread(kubectl, "apply", "-f", "-", input=EXTRA.format(name=name))
    app = make_app(cfg, namespace="demo", all_namespaces=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.main.tree.services_shown()) == 5, what="five Services")
        lines = await first_screen(app, pilot, sim)
        assert app.query_one("#bottom").outer_size.height == 1
        for name in ("api", "db", "db-typo", "extra-a", "extra-b"):
            row = line_of(lines, f"─ ▼ {name} ")
            assert app.main.model.store.services[("demo", name)].cluster_ip in row, row
        assert "✖ selector matches no pods" in line_of(lines, "▼ extra-b ")
        assert line_of(lines, "✖ selector app=dbx matches no pods in demo")  # the finding's own line
        assert line_of(lines, "✖ selector app=extra-b matches no pods in demo")


async def test_eight_services_that_would_open_past_the_screen_stay_collapsed(failures):  # noqa: F811
    sim, cfg = failures
    app = make_app(cfg, namespace="failures", all_namespaces=False)
    async with app.run_test(size=(80, 24)) as pilot:
        lines = await first_screen(app, pilot, sim)
        services = [k for k in app.main.tree.services_shown() if k[0] == "failures"]
        assert len(services) == 8
        for key in services:
            row = line_of(lines, f"▶ {key[1]} ")
            assert app.main.model.store.services[key].cluster_ip in row, row
        assert "✖ no ready endpoints" in line_of(lines, "▶ inventory ")
        assert "⚠ 2 findings" in line_of(lines, "▶ edge ")
