"""The namespace switcher's choices (kube/contexts.list_namespaces) come from the same paged list as the
watch's fallback (kube/namespaces.py): every namespace, past the first page of 500, and [] when the list
is forbidden (the switcher then offers what the model knows)."""

from __future__ import annotations

from svctui.kube.config import load_target
from svctui.kube.contexts import list_namespaces
from svctui.sim import resources as R
from svctui.sim.runner import write_kubeconfig

KIND = ["default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage"]


async def test_every_namespace_past_the_first_page(sim, tmp_path):
    made = [f"team-{i:03d}" for i in range(510)]

    def create(c):
        for ns in made:
            c.api.create(R.NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})

    sim.call(create)
    target = await load_target(kubeconfig=str(write_kubeconfig(tmp_path / "kubeconfig", sim.url)))
    try:
        assert await list_namespaces(target.api) == sorted(KIND + made)
    finally:
        await target.close()


async def test_forbidden_gives_no_choices(sim, tmp_path):
    sim.call(lambda c: c.server.forbid.add(("list", "namespaces", None)))
    target = await load_target(kubeconfig=str(write_kubeconfig(tmp_path / "kubeconfig", sim.url)))
    try:
        assert await list_namespaces(target.api) == []
    finally:
        await target.close()
