"""Fixtures: a simulated cluster on its own thread, a kubeconfig for it, and kubectl pointed at it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from svctui.sim.cluster import SimOptions
from svctui.sim.runner import SimThread

# Tests run the cluster fast: a replacement pod is ready in a fraction of a second.
TEST_SPEED = 0.05


def start_sim(scenarios: list[str] | None = None, **opts) -> SimThread:
    options = SimOptions(speed=opts.pop("speed", TEST_SPEED), seed=opts.pop("seed", 7), **opts)
    return SimThread(scenarios or ["empty"], options).start()


def start_secure_sim(scenarios: list[str] | None = None, auth: str = "exec", token_ttl: float = 3600.0,
                     **opts) -> SimThread:
    """A sim behind the front door a real cluster has: HTTPS with its own CA, and (default) an exec
    credential plugin whose tokens expire after token_ttl."""
    return start_sim(scenarios, tls=True, auth=auth, token_ttl=token_ttl, **opts)


@pytest.fixture
def secure_sim() -> Iterator[SimThread]:
    s = start_secure_sim()
    yield s
    s.stop()


@pytest.fixture
def secure_kubeconfig(secure_sim: SimThread, tmp_path: Path) -> Path:
    return secure_sim.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def sim() -> Iterator[SimThread]:
    s = start_sim()
    yield s
    s.stop()


@pytest.fixture
def demo_sim() -> Iterator[SimThread]:
    s = start_sim(["demo"])
    yield s
    s.stop()


class Kubectl:
    def __init__(self, kubeconfig: Path, cache: Path):
        self.env = dict(os.environ, KUBECONFIG=str(kubeconfig), KUBECACHEDIR=str(cache))

    def run(self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["kubectl", *args], input=input, capture_output=True, text=True, env=self.env, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def __call__(self, *args: str, **kw) -> str:
        return self.run(*args, **kw).stdout

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(["kubectl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)


def make_kubectl(sim: SimThread, tmp_path: Path) -> Kubectl:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    cfg = sim.write_kubeconfig(tmp_path / "kubeconfig")
    return Kubectl(cfg, tmp_path / "kube-cache")


@pytest.fixture
def kubectl(sim: SimThread, tmp_path: Path) -> Kubectl:
    return make_kubectl(sim, tmp_path)


@pytest.fixture
def demo_kubectl(demo_sim: SimThread, tmp_path: Path) -> Kubectl:
    return make_kubectl(demo_sim, tmp_path)
