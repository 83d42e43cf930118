"""Where the end-to-end flows run: the simulated cluster behind its TLS + exec-credential front door, or
the cluster SVCTUI_E2E_KUBECONFIG names. Both are set up and inspected the same way, through the API with
the kubernetes client, so nothing here knows it may be talking to a simulation."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kubernetes
from kubernetes.client.rest import ApiException

MANAGED_BY = "app.kubernetes.io/managed-by"
IMAGE = "nginx:1.27"


def _deployment(name: str, replicas: int, probe: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"terminationGracePeriodSeconds": 2,
                                       "containers": [{"name": "nginx", "image": IMAGE,
                                                       "ports": [{"name": "http", "containerPort": 80}],
                                                       "readinessProbe": {**probe, "periodSeconds": 2}}]}}},
    }


def _service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": 80}]}}


# web: healthy, 3 replicas. stuck: its only pod never passes readiness (an exec probe running `false`,
# plain Kubernetes). typo: a selector that matches nothing, its nearest match being app=web.
DEPLOYMENTS = [_deployment("web", 3, {"httpGet": {"path": "/", "port": 80}}),
               _deployment("stuck", 1, {"exec": {"command": ["false"]}})]
SERVICES = [_service("web", {"app": "web"}), _service("stuck", {"app": "stuck"}), _service("typo", {"app": "wbe"})]


@dataclass
class Target:
    kubeconfig: Path
    namespace: str
    on_sim: bool
    # Real clusters pull images and run real probes: everything may take this many times longer.
    slowness: float
    _api: Any = field(default=None, repr=False)
    _stop: Callable[[], None] | None = field(default=None, repr=False)

    @property
    def core(self) -> kubernetes.client.CoreV1Api:
        return kubernetes.client.CoreV1Api(self._api)

    def setup(self) -> None:
        self._api = kubernetes.config.new_client_from_config(config_file=str(self.kubeconfig))
        self.core.create_namespace({"metadata": {"name": self.namespace, "labels": {"svctui.dev/e2e": "true"}}})
        apps = kubernetes.client.AppsV1Api(self._api)
        for d in DEPLOYMENTS:
            apps.create_namespaced_deployment(self.namespace, d)
        for s in SERVICES:
            self.core.create_namespaced_service(self.namespace, s)

    def teardown(self) -> None:
        try:
            if self._api is not None:
                self.core.delete_namespace(self.namespace, propagation_policy="Background")
        except ApiException as exc:
            if exc.status != 404:
                raise
        finally:
            if self._api is not None:
                self._api.close()
            if self._stop is not None:
                self._stop()

    # ---- looking, through the API ----
    def pods(self, app: str) -> list[Any]:
        return [p for p in self.core.list_namespaced_pod(self.namespace, label_selector=f"app={app}").items
                if p.metadata.deletion_timestamp is None]

    def ready_pods(self, app: str) -> list[Any]:
        return [p for p in self.pods(app)
                if any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))]

    def ready_ips(self, app: str) -> set[str]:
        return {p.status.pod_ip for p in self.ready_pods(app)}

    def debug_pods(self) -> list[str]:
        """svctui's debug pods in the namespace that are not on their way out."""
        return [p.metadata.name for p in self.core.list_namespaced_pod(self.namespace, label_selector=f"{MANAGED_BY}=svctui").items
                if p.metadata.deletion_timestamp is None]

    def wait(self, pred: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout * self.slowness
        while True:
            v = pred()
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.1)

    def wait_web_ready(self) -> set[str]:
        self.wait(lambda: len(self.ready_pods("web")) == 3 and len(self.pods("web")) == 3, 30, "3 ready web pods")
        return self.ready_ips("web")


def make_target(tmp: Path) -> Target:
    real = os.environ.get("SVCTUI_E2E_KUBECONFIG")
    if real:
        return Target(Path(real).expanduser(), f"svctui-e2e-{secrets.token_hex(3)}", on_sim=False, slowness=8.0)
    from tests.conftest import start_secure_sim

    # The front door a managed cluster has: HTTPS with a private CA and an exec credential plugin (a TTL
    # longer than the run: refresh has tests of its own).
    sim = start_secure_sim(["empty"], token_ttl=3600.0)
    cfg = sim.write_kubeconfig(tmp / "kubeconfig")
    return Target(cfg, "e2e", on_sim=True, slowness=1.0, _stop=sim.stop)
