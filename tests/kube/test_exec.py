"""Exec over the websocket: streamed stdout/stderr, exit codes from the status channel, clear errors,
and the warm-pod latency figure (Enter -> first output)."""

from __future__ import annotations

import statistics
import time

import pytest

from svctui.kube.config import load_target
from svctui.kube.debugpod import DebugSession
from svctui.kube.exec import ExecError, ExecTimeout, exit_code
from svctui.sim.runner import write_kubeconfig


@pytest.fixture
async def warm(sim, tmp_path):
    t = await load_target(str(write_kubeconfig(tmp_path / "kubeconfig", sim.url)))
    s = DebugSession(t.api, session_id="ex")
    await s.pod("default")
    yield s
    await s.close()
    await t.close()


def test_exit_code_from_status():
    assert exit_code({"metadata": {}, "status": "Success"}) == 0
    assert exit_code({"status": "Failure", "reason": "NonZeroExitCode",
                      "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}) == 3
    assert exit_code({"status": "Failure", "reason": "InternalError", "message": "boom"}) is None


async def test_streams_stdout_and_stderr_and_reports_the_exit_code(warm):
    chunks = []
    r = await warm.exec("default", ["sh", "-c", "echo out; echo err >&2; exit 7"],
                        on_output=lambda name, data: chunks.append((name, data)))
    assert r.exit_code == 7
    assert (r.stdout, r.stderr) == (b"out\n", b"err\n")
    assert ("stdout", b"out\n") in chunks and ("stderr", b"err\n") in chunks
    assert r.status["reason"] == "NonZeroExitCode"


async def test_async_iteration(warm):
    ex = warm.executor
    async with await ex.open("default", "svctui-debug-ex", ["sh", "-c", "echo a; echo b"], "debug") as proc:
        got = [chunk async for chunk in proc]
    assert b"".join(d for n, d in got if n == "stdout") == b"a\nb\n"
    assert proc.exit_code == 0


async def test_missing_executable_is_an_error_in_words(warm):
    with pytest.raises(ExecError) as info:
        await warm.exec("default", ["dig", "example.com"])
    assert str(info.value) == "dig: not found in the container image (executable file not found in $PATH)"


async def test_refused_exec_carries_the_api_message(sim, warm):
    ex = warm.executor
    with pytest.raises(ExecError) as info:
        await ex.run("default", "no-such-pod", ["true"])
    assert info.value.code == 404 and 'pods "no-such-pod" not found' in str(info.value)
    sim.call(lambda c: c.server.forbid.add(("create", "pods/exec", "default")))
    with pytest.raises(ExecError) as info:
        await ex.run("default", "svctui-debug-ex", ["true"], "debug")
    assert info.value.code == 403
    assert 'cannot create resource "pods/exec"' in str(info.value)


async def test_timeout(warm):
    with pytest.raises(ExecTimeout):
        await warm.exec("default", ["sleep", "100000"], timeout=0.3)


async def test_second_command_latency_on_the_warm_pod(warm, capsys):
    """Enter -> first output, via the warm pod (design budget: < 1 s on the sim)."""
    await warm.exec("default", ["nslookup", "kubernetes.default.svc.cluster.local."])
    firsts, totals = [], []
    for _ in range(10):
        start = time.monotonic()
        r = await warm.exec("default", ["nslookup", "kubernetes.default.svc.cluster.local."])
        totals.append(time.monotonic() - start)
        firsts.append(r.first_output)
        assert r.exit_code == 0 and b"10.96.0.1" in r.stdout
    med = statistics.median(firsts)
    with capsys.disabled():
        print(f"\nwarm-pod exec: first output median {med * 1000:.1f} ms, whole command median "
              f"{statistics.median(totals) * 1000:.1f} ms (n=10)")
    assert med < 1.0
