"""Image pulls as a kind node does them: the catalogue pulls, anything else fails with the kubelet's words."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from svctui.sim import images as I

from ..conftest import TEST_SPEED, make_kubectl, start_sim
from .test_pods import events_for, manifest, pod_json, wait_for

PLACEHOLDER = "YOUR_REGISTRY/your-api:1.0.0"
MISSING = "my-backend-api:v1"


def _waiting(kubectl, name: str) -> dict[str, Any]:
    cs = (pod_json(kubectl, name)["status"].get("containerStatuses") or [{}])[0]
    return (cs.get("state") or {}).get("waiting") or {}


def _count(kubectl, name: str, reason: str, prefix: str = "") -> int:
    return sum(e.get("count", 1) for e in events_for(kubectl, name)
               if e["reason"] == reason and e["message"].startswith(prefix))


@pytest.mark.parametrize("image, error", [
    (PLACEHOLDER, "repository name must be lowercase"),
    ("Nginx", "invalid reference format: repository name (library/Nginx) must be lowercase"),
    ("ko://github.com/x/y", "invalid reference format"),
    ("nginx:1.27-alpine", None),
    ("docker.io/library/nginx:1.27", None),
    ("busybox@sha256:" + "a" * 64, None),
])
def test_references_parse_as_distribution_reference_does(image: str, error: str | None) -> None:
    assert I.parse_error(image) == error


def test_catalogue_and_the_images_the_sim_was_given() -> None:
    for ok in ("nginx", "nginx:1.27-alpine", "docker.io/library/busybox:1.36", "curlimages/curl:8.11.1",
               "nicolaka/netshoot:v0.13", "registry.k8s.io/pause:3.10", "ghcr.io/svctui/demo-api:1.0.0", "postgres:17"):
        assert I.pull_error(ok) is None, ok
    assert "pull access denied" in (I.pull_error(MISSING) or "")
    assert I.pull_error(MISSING, ["my-backend-api"]) is None
    assert I.pull_error(MISSING, ["my-backend-api:v2"]) is not None
    assert "no such host" in (I.pull_error("registry.example.com/team/api:1") or "")
    assert ": not found" in (I.pull_error("registry.k8s.io/nothing:1") or "")


def test_placeholder_image_is_invalid_image_name(sim, kubectl) -> None:
    # kubectl run checks the reference itself; a manifest (the tutorials' Deployments) reaches the kubelet.
    kubectl("create", "-f", "-", input=manifest("api", [{"name": "api", "image": PLACEHOLDER}]))
    message = (f'Failed to apply default image tag "{PLACEHOLDER}": couldn\'t parse image name "{PLACEHOLDER}": '
               "repository name must be lowercase")
    waiting = wait_for(lambda: (w := _waiting(kubectl, "api")).get("reason") == "InvalidImageName" and w)
    assert waiting["message"] == message
    assert kubectl("get", "pod", "api", "--no-headers").split()[1:3] == ["0/1", "InvalidImageName"]
    events = {(e["type"], e["reason"], e["message"]) for e in events_for(kubectl, "api")}
    assert ("Warning", "InspectFailed", message) in events
    assert ("Warning", "Failed", "Error: InvalidImageName") in events
    assert not any(r in ("Pulling", "Pulled") for _, r, _ in events)
    pod = pod_json(kubectl, "api")
    assert pod["status"]["phase"] == "Pending" and pod["status"].get("podIP")


def test_missing_image_is_err_image_pull_then_back_off_that_doubles(sim, kubectl) -> None:
    kubectl("run", "api", f"--image={MISSING}")
    error = I.pull_error(MISSING)
    waiting = wait_for(lambda: (w := _waiting(kubectl, "api")).get("reason") == "ErrImagePull" and w, interval=0.01)
    assert waiting["message"] == error
    waiting = wait_for(lambda: (w := _waiting(kubectl, "api")).get("reason") == "ImagePullBackOff" and w)
    assert waiting["message"] == f'Back-off pulling image "{MISSING}"'
    assert kubectl("get", "pod", "api", "--no-headers").split()[1:3] == ["0/1", "ImagePullBackOff"]
    events = {(e["type"], e["reason"], e["message"]) for e in events_for(kubectl, "api")}
    assert {("Normal", "Pulling", f'Pulling image "{MISSING}"'),
            ("Warning", "Failed", f'Failed to pull image "{MISSING}": {error}'),
            ("Warning", "Failed", "Error: ErrImagePull"),
            ("Normal", "BackOff", f'Back-off pulling image "{MISSING}"'),
            ("Warning", "Failed", "Error: ImagePullBackOff")} <= events
    assert not any(r in ("Pulled", "Started") for _, r, _ in events)
    # The kubelet's back-off: 10 s, 20 s, 40 s ... between pulls (scaled by the sim's speed).
    seen, times = _count(kubectl, "api", "Pulling"), [time.monotonic()]
    deadline = time.monotonic() + 15
    while len(times) < 4 and time.monotonic() < deadline:
        n = _count(kubectl, "api", "Pulling")
        if n > seen:
            seen = n
            times.append(time.monotonic())
        time.sleep(0.02)
    assert len(times) == 4, times
    gaps = [b - a for a, b in zip(times[1:], times[2:], strict=False)]
    # Lower bounds only: a loaded machine stretches the gaps, never shortens them.
    assert gaps[0] >= 20 * TEST_SPEED * 0.9 and gaps[1] >= 40 * TEST_SPEED * 0.9, gaps


def test_an_image_given_to_the_sim_pulls(tmp_path) -> None:
    sim = start_sim(images=("my-backend-api",))
    try:
        kubectl = make_kubectl(sim, tmp_path)
        kubectl("run", "api", f"--image={MISSING}")
        wait_for(lambda: kubectl("get", "pod", "api", "--no-headers").split()[1:3] == ["1/1", "Running"])
        pulled = [e["message"] for e in events_for(kubectl, "api") if e["reason"] == "Pulled"]
        assert pulled and pulled[0].startswith(f'Successfully pulled image "{MISSING}"')
    finally:
        sim.stop()


def test_fixing_the_image_recovers_the_pod(sim, kubectl) -> None:
    kubectl("create", "deployment", "api", f"--image={MISSING}")
    wait_for(lambda: "ImagePullBackOff" in kubectl("get", "pods", "-l", "app=api", "--no-headers"))
    kubectl("set", "image", "deployment/api", "my-backend-api=nginx:1.27-alpine")
    wait_for(lambda: (out := kubectl("get", "pods", "-l", "app=api", "--no-headers").split()) and
             out[1:3] == ["1/1", "Running"] and len(out) == 5)
    pods = json.loads(kubectl("get", "pods", "-l", "app=api", "-o", "json"))["items"]
    assert [p["spec"]["containers"][0]["image"] for p in pods] == ["nginx:1.27-alpine"]


def test_kubectl_debug_with_a_missing_image_waits_with_err_image_pull(sim, kubectl) -> None:
    kubectl("run", "web", "--image=nginx:1.27-alpine")
    wait_for(lambda: kubectl("get", "pod", "web", "--no-headers").split()[1:3] == ["1/1", "Running"])
    kubectl("debug", "pod/web", f"--image={MISSING}", "-c", "dbg")

    def waiting() -> dict[str, Any]:
        statuses = pod_json(kubectl, "web")["status"].get("ephemeralContainerStatuses") or [{}]
        return (statuses[0].get("state") or {}).get("waiting") or {}

    w = wait_for(lambda: (w := waiting()).get("reason") == "ErrImagePull" and w)
    assert w["message"] == I.pull_error(MISSING)
    assert ("Warning", "Failed", "Error: ErrImagePull") in {(e["type"], e["reason"], e["message"])
                                                           for e in events_for(kubectl, "web")}


def test_sim_command_line_takes_images(tmp_path, capsys) -> None:
    import subprocess
    import sys

    from svctui.commands.sim import main as sim_main

    with pytest.raises(SystemExit) as exc:
        sim_main(["--image", "Bad Image"])
    assert exc.value.code == 2
    assert "argument --image: not an image reference: 'Bad Image': invalid reference format" in capsys.readouterr().err
    cfg = tmp_path / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "svctui", "sim", "--kubeconfig", str(cfg), "--speed", "0.05",
                             "--image", "my-backend-api"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "serving the Kubernetes API" in proc.stdout.readline()
        env = {"KUBECONFIG": str(cfg), "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path)}

        def kubectl(*args: str) -> str:
            return subprocess.run(["kubectl", *args], capture_output=True, text=True, env=env, check=True).stdout

        kubectl("run", "api", f"--image={MISSING}")
        wait_for(lambda: kubectl("get", "pod", "api", "--no-headers").split()[1:3] == ["1/1", "Running"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize("image", [PLACEHOLDER, MISSING])
def test_set_image_on_a_stuck_pod_starts_it(sim, kubectl, image: str) -> None:
    kubectl("create", "-f", "-", input=manifest("api", [{"name": "api", "image": image}]))
    wait_for(lambda: _waiting(kubectl, "api").get("reason") in ("InvalidImageName", "ImagePullBackOff"))
    kubectl("set", "image", "pod/api", "api=nginx:1.27-alpine")
    wait_for(lambda: kubectl("get", "pod", "api", "--no-headers").split()[1:3] == ["1/1", "Running"])
