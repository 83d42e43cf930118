"""lazy_client: importing svctui's cluster layer does not run kubernetes_asyncio's package files (every
generated API class and model); anything else asked of those packages runs them then, and they end up
the same as a plain import makes them. Each check runs in a fresh interpreter (imports are per process)."""

from __future__ import annotations

import json
import subprocess
import sys

PACKAGES = ["kubernetes_asyncio", "kubernetes_asyncio.client", "kubernetes_asyncio.client.models"]


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: demo}}]
current-context: x
"""


def test_the_cluster_layer_imports_and_loads_a_kubeconfig_without_the_generated_classes(tmp_path):
    (tmp_path / "kc").write_text(KUBECONFIG)
    got = run(f"""
import asyncio, json, sys
import svctui.kube.config, svctui.kube.watch, svctui.kube.exec, svctui.kube.api, svctui.ui.app
from svctui.kube.config import load_target

async def main():
    target = await load_target(kubeconfig={str(tmp_path / "kc")!r})
    assert target.namespace == "demo", target
    await target.api.close()
asyncio.run(main())
print(json.dumps({{
    "api": sorted(m for m in sys.modules if m.startswith("kubernetes_asyncio.client.api.")),
    "models": sorted(m for m in sys.modules if m.startswith("kubernetes_asyncio.client.models.")),
    "dynamic": "kubernetes_asyncio.dynamic" in sys.modules,
    "api_client": "kubernetes_asyncio.client.api_client" in sys.modules,
}}))
""")
    assert got == {"api": [], "models": [], "dynamic": False, "api_client": True}


def test_any_other_name_runs_the_package_files_and_the_packages_end_up_as_a_plain_import():
    names = f"""
import json, importlib
def names():
    return {{p: sorted(n for n in vars(importlib.import_module(p)) if not n.startswith("__"))
            for p in {PACKAGES!r}}}
"""
    plain = run(names + """
import kubernetes_asyncio.client.models
print(json.dumps(names()))
""")
    lazy = run(names + """
import svctui.kube  # installs the deferral
import kubernetes_asyncio.client.api_client
from kubernetes_asyncio.client import CoreV1Api           # a name only the package's __init__ binds
from kubernetes_asyncio.client.models import V1Pod
import kubernetes_asyncio
assert kubernetes_asyncio.client.CoreV1Api is CoreV1Api
assert kubernetes_asyncio.client.models.V1Pod is V1Pod
assert kubernetes_asyncio.watch.Watch and kubernetes_asyncio.__version__
try:
    kubernetes_asyncio.client.NoSuchThing
except AttributeError:
    pass
else:
    raise SystemExit("a missing name must still be missing")
print(json.dumps(names()))
""")
    assert lazy == plain
    assert len(plain["kubernetes_asyncio.client"]) > 500
