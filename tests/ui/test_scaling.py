"""kubectl scale on the screen (80×24, the tutorials' size): the nginx row reads scaling, not recovery."""

from __future__ import annotations

import asyncio
import time

from tests.conftest import make_kubectl

from .conftest import make_app, wait_for

NGINX = ("default", "nginx-service")


def row(app) -> str:
    node = app.main.tree.service_node(NGINX)
    return node.label.plain if node else ""


async def test_scale_reads_as_scaling_on_the_row(demo, tmp_path):
    sim, cfg = demo
    kubectl = make_kubectl(sim, tmp_path)
    app = make_app(cfg, clock=time.time, tick=0.2, namespace="default", all_namespaces=False,
                   service="nginx-service")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.synced and "3/3 ready" in row(app), what="nginx 3/3")
        seen: list[str] = []

        async def sample() -> None:
            while True:
                text = row(app)
                if not seen or seen[-1] != text:
                    seen.append(text)
                await asyncio.sleep(0.01)
        sampler = asyncio.get_running_loop().create_task(sample())
        await asyncio.to_thread(kubectl, "scale", "deployment", "nginx-deployment", "--replicas=5")
        await wait_for(pilot, lambda: "⇅ scaled 3→5 in" in row(app), timeout=20, what="scaled 3→5")
        await pilot.pause(0.3)
        await asyncio.to_thread(kubectl, "scale", "deployment", "nginx-deployment", "--replicas=2")
        await wait_for(pilot, lambda: "⇅ scaled 5→2 in" in row(app), timeout=20, what="scaled 5→2")
        sampler.cancel()
        assert any("⇅ scaling 3→5 (" in s for s in seen), seen
        assert not [s for s in seen if "recover" in s or "rescaled" in s], seen
        assert "(2/2 ready)" in row(app)
