"""Which cluster, context and namespace: kubectl's rules, and errors a person can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from svctui.kube import api as kapi
from svctui.kube.config import KubeConfigError, load_target

from .proxy import Proxy


def _write(path: Path, url: str, contexts: dict[str, str | None], current: str | None) -> Path:
    cfg = {"apiVersion": "v1", "kind": "Config",
           "clusters": [{"name": "c", "cluster": {"server": url}}],
           "users": [{"name": "u", "user": {"token": "t"}}],
           "contexts": [{"name": n, "context": {"cluster": "c", "user": "u", **({"namespace": ns} if ns else {})}}
                        for n, ns in contexts.items()]}
    if current:
        cfg["current-context"] = current
    path.write_text(yaml.safe_dump(cfg))
    return path


async def test_kubeconfig_list_first_current_context_wins(sim, tmp_path):
    a = _write(tmp_path / "a", sim.url, {"one": "team-a"}, "one")
    b = _write(tmp_path / "b", "http://127.0.0.1:1", {"two": None, "one": "ignored"}, "two")
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{a}:{b}", "HOME": str(tmp_path)}
    t = await load_target(environ=env)
    try:
        assert (t.context, t.namespace, t.server) == ("one", "team-a", sim.url)
        # The client really talks to the cluster.
        body = await kapi.get_json(t.api, "/api/v1/namespaces/default/services", [])
        assert any(i["metadata"]["name"] == "kubernetes" for i in body["items"])
    finally:
        await t.close()
    t = await load_target(context="two", environ=env)
    try:
        assert (t.context, t.namespace) == ("two", "default")
    finally:
        await t.close()


async def test_explicit_kubeconfig_and_namespace_override(sim, tmp_path):
    a = _write(tmp_path / "a", sim.url, {"one": "team-a"}, "one")
    t = await load_target(kubeconfig=str(a), namespace="other", environ={"KUBECONFIG": "/nope"})
    try:
        assert (t.context, t.namespace) == ("one", "other")
    finally:
        await t.close()


async def test_default_location_is_home_kube_config(sim, tmp_path):
    (tmp_path / ".kube").mkdir()
    _write(tmp_path / ".kube" / "config", sim.url, {"x": None}, "x")
    t = await load_target(environ={"HOME": str(tmp_path)})
    await t.close()
    assert t.context == "x"


async def test_errors_are_for_people(tmp_path):
    with pytest.raises(KubeConfigError, match=r"no kubeconfig found \(looked at .*\.kube/config\) and not running inside a pod"):
        await load_target(environ={"HOME": str(tmp_path)})
    with pytest.raises(KubeConfigError, match="--kubeconfig /does/not/exist: no such file"):
        await load_target(kubeconfig="/does/not/exist", environ={})
    a = _write(tmp_path / "a", "http://127.0.0.1:1", {"one": None, "two": None}, None)
    with pytest.raises(KubeConfigError, match="context 'three' not found in .*a \\(available: one, two\\)"):
        await load_target(kubeconfig=str(a), context="three", environ={})
    with pytest.raises(KubeConfigError, match="no current context in .*; choose one with --context \\(available: one, two\\)"):
        await load_target(kubeconfig=str(a), environ={})
    (tmp_path / "bad").write_text("clusters: [oops")
    with pytest.raises(KubeConfigError, match="cannot read kubeconfig .*bad"):
        await load_target(kubeconfig=str(tmp_path / "bad"), environ={})


async def test_the_proxy_the_environment_names_is_used_and_nothing_is_looked_up_per_request(sim, tmp_path, monkeypatch):
    px = Proxy().start()  # absolute-form forwarding, for http:// through it
    proxy, seen = px.url, px.seen
    try:
        a = _write(tmp_path / "a", sim.url, {"one": None}, "one")
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy)
        t = await load_target(kubeconfig=str(a))
        try:
            assert t.api.rest_client.pool_manager.trust_env is False
            assert t.api.configuration.proxy == proxy
            body = await kapi.get_json(t.api, "/api/v1/namespaces/default/services", [])
            assert any(i["metadata"]["name"] == "kubernetes" for i in body["items"])
            assert seen and seen[-1].target.startswith(sim.url + "/api/v1/namespaces/default/services")
        finally:
            await t.close()
        # NO_PROXY names the server: straight to it, as aiohttp (and kubectl) would.
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        n = len(seen)
        t = await load_target(kubeconfig=str(a))
        try:
            assert not t.api.configuration.proxy
            await kapi.get_json(t.api, "/api/v1/namespaces/default/services", [])
            assert len(seen) == n
        finally:
            await t.close()
    finally:
        px.stop()


async def test_a_kubeconfig_proxy_url_wins_over_the_environment(sim, tmp_path, monkeypatch):
    a = _write(tmp_path / "a", sim.url, {"one": None}, "one")
    cfg = yaml.safe_load(a.read_text())
    cfg["clusters"][0]["cluster"]["proxy-url"] = "http://127.0.0.1:3"
    a.write_text(yaml.safe_dump(cfg))
    monkeypatch.setenv("HTTP_PROXY", "http://user:secret@127.0.0.1:2")
    t = await load_target(kubeconfig=str(a))
    try:
        assert t.api.configuration.proxy == "http://127.0.0.1:3"
    finally:
        await t.close()
    cfg["clusters"][0]["cluster"].pop("proxy-url")
    a.write_text(yaml.safe_dump(cfg))
    t = await load_target(kubeconfig=str(a))
    try:  # the environment's proxy, its credentials sent to it (not to the API server)
        assert t.api.configuration.proxy == "http://127.0.0.1:2"
        assert t.api.configuration.proxy_headers == {"Proxy-Authorization": "Basic dXNlcjpzZWNyZXQ="}
    finally:
        await t.close()
