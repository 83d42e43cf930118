"""The timeline against the sim: one line per endpoint change naming every Service behind the pod, and
the lines kept when the namespace changes (the watch restarts)."""

from __future__ import annotations

from svctui.sim import resources as R

from .conftest import make_app, settle, wait_for
from .simops import pod_names

BOTH = "nginx-nodeport, nginx-service"


def timeline(app) -> list[str]:
    return app.query_one("#timeline-pane").render().plain.splitlines()


async def test_one_line_per_change_for_two_services_and_kept_across_namespaces(demo):
    sim, cfg = demo
    app = make_app(cfg, all_namespaces=False, namespace="default")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and app.main.complete, what="sync")
        victim = sim.call(lambda c: pod_names(c, "default", "nginx"))[0]
        sim.call(lambda c: c.api.delete(R.PODS, "default", victim))
        # Each Service's slice says so in its own event: wait until both have (the ledger has two removals).
        await wait_for(pilot, lambda: sum(e.change == "removed" for e in app.main.model.ledger.entries()) == 2,
                       timeout=20, what="both removals")
        await settle(pilot, sim)
        nginx = [line for line in timeline(app) if "nginx" in line]
        assert nginx and all(BOTH in line for line in nginx), nginx
        # Each change once: the pod's removal is one line, not one per Service.
        assert sum("→ gone" in line for line in nginx) == 1, nginx

        app.main.keys._namespace_chosen("demo")
        await wait_for(pilot, lambda: app.main.synced and app.main.complete and app.main.scope.namespace_name == "demo", what="demo")
        await pilot.pause(0.2)
        kept = [line for line in timeline(app) if "nginx" in line]
        # Qualified now (another namespace is watched), cut in the middle to the name column's 30.
        assert kept and all("default/nginx-n…/nginx-service" in line for line in kept), kept
