"""What the header says when the cluster refuses the credential, or the plugin cannot produce one."""

from __future__ import annotations

import yaml

from svctui.kube.state import LOST
from tests.conftest import start_sim

from .conftest import make_app, wait_for

REJECTED = "credentials rejected for context svctui-sim (user svctui-sim): token expired or invalid"


async def test_a_refused_token_is_named_in_the_header(tmp_path):
    sim = start_sim(["empty"], tls=True, auth="token")
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        cfg = yaml.safe_load(kc.read_text())
        cfg["users"][0]["user"]["token"] = "stale"
        kc.write_text(yaml.safe_dump(cfg))
        app = make_app(kc)
        async with app.run_test(size=(160, 30)) as pilot:
            await wait_for(pilot, lambda: any(s.state == LOST for s in app.main.states.values()), what="a lost stream")
            await pilot.pause(0.1)
            assert f"✕ lost: {REJECTED}" in app.query_one("#hdr-left").render().plain
    finally:
        sim.stop()


async def test_a_failing_plugin_is_named_in_the_header(tmp_path):
    sim = start_sim(["empty"], tls=True, auth="exec")
    try:
        kc = sim.write_kubeconfig(tmp_path / "kubeconfig")
        cfg = yaml.safe_load(kc.read_text())
        script = tmp_path / "plugin"
        script.write_text("#!/bin/sh\necho 'SSO session expired: run aws sso login' >&2\nexit 255\n")
        script.chmod(0o755)
        cfg["users"][0]["user"]["exec"].update(command=str(script), args=[])
        kc.write_text(yaml.safe_dump(cfg))
        app = make_app(kc)
        async with app.run_test(size=(200, 30)) as pilot:
            await wait_for(pilot, lambda: app.main.failure, what="failure")
            await pilot.pause(0.05)
            assert app.main.failure == (f"exec credential plugin {str(script)!r} for context svctui-sim (user svctui-sim) "
                                   "failed (exit 255): SSO session expired: run aws sso login")
            assert "✕ lost: exec credential plugin" in app.query_one("#hdr-left").render().plain
    finally:
        sim.stop()
