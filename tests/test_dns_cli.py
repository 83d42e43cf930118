"""`svctui dns NAME [-n SOURCE_NS]` against the demo sim: the walk, exit codes, NXDOMAIN named."""

from __future__ import annotations

import concurrent.futures

import pytest

from svctui.cli import main
from svctui.sim.runner import write_kubeconfig

from .kube.test_dns import wait_dns_ready


@pytest.fixture
async def cfg(demo_sim, tmp_path):
    await wait_dns_ready(demo_sim)
    return str(write_kubeconfig(tmp_path / "kubeconfig", demo_sim.url))


def run(capsys, *args):
    # main() calls asyncio.run: give it a thread of its own, away from the test's loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        rc = pool.submit(main, list(args)).result(60)
    out, err = capsys.readouterr()
    return rc, out, err


async def test_short_name_from_the_wrong_namespace_is_nxdomain(cfg, capsys):
    rc, out, _ = run(capsys, "dns", "db", "--kubeconfig", cfg)
    assert rc == 1
    assert "1. db.default.svc.cluster.local  [A NXDOMAIN, AAAA NXDOMAIN]" in out
    assert "4. db  [A NXDOMAIN, AAAA NXDOMAIN]" in out
    assert "DOES NOT RESOLVE: db from namespace default: NXDOMAIN for every name in the search path" in out
    assert "hint: a Service named db exists in namespace demo: try db.demo" in out


async def test_name_dot_namespace_resolves_via_the_search_path(cfg, capsys):
    rc, out, _ = run(capsys, "dns", "db.demo", "--kubeconfig", cfg)
    assert rc == 0, out
    assert "1. db.demo.default.svc.cluster.local  [A NXDOMAIN, AAAA NXDOMAIN]" in out
    assert "2. db.demo.svc.cluster.local  [A NOERROR, AAAA NOERROR]" in out
    assert "RESOLVES: db.demo from namespace default -> 10." in out


async def test_source_namespace_flag(cfg, capsys):
    rc, out, _ = run(capsys, "dns", "db", "-n", "demo", "--kubeconfig", cfg)
    assert rc == 0 and "db from a pod in namespace demo: search demo.svc.cluster.local svc.cluster.local cluster.local, ndots:5" in out


async def test_srv_external_name_and_headless(cfg, capsys):
    rc, out, _ = run(capsys, "dns", "_postgres._tcp.db.demo", "--kubeconfig", cfg)
    assert rc == 0 and "SRV   0 100 5432 db.demo.svc.cluster.local" in out and "asking SRV" in out
    rc, out, _ = run(capsys, "dns", "external-db", "--kubeconfig", cfg)
    assert rc == 1
    assert "CNAME database.example.com" in out
    assert "is an alias (CNAME) for database.example.com, which answers NXDOMAIN" in out
    rc, out, _ = run(capsys, "dns", "database-headless", "--kubeconfig", cfg)
    assert rc == 0 and out.count("     A     10.244.") == 3


async def test_fallback_is_announced(cfg, demo_sim, capsys):
    demo_sim.call(lambda c: c.server.forbid.add(("create", "pods/portforward", "kube-system")))
    rc, out, _ = run(capsys, "dns", "db.demo", "--kubeconfig", cfg)
    assert rc == 0
    assert "via debug pod default/svctui-debug-" in out and "port-forward is forbidden" in out


async def test_usage_and_unreachable_cluster_exit_2(tmp_path, capsys):
    rc, _, err = run(capsys, "dns", "--kubeconfig", str(tmp_path / "missing"))
    assert rc == 2
    rc, _, err = run(capsys, "dns", "x", "--kubeconfig", str(tmp_path / "missing"))
    assert rc == 2 and "no such file" in err
    dead = write_kubeconfig(tmp_path / "dead", "http://127.0.0.1:9")
    rc, _, err = run(capsys, "dns", "x", "--kubeconfig", str(dead))
    assert rc == 2 and "cannot reach the API server" in err


async def test_untrusted_text_is_plain(cfg, capsys):
    rc, out, _ = run(capsys, "dns", "a\x1b[31mb", "--kubeconfig", cfg)
    assert "\x1b" not in out
