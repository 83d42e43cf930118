"""KUBECONFIG=a:b merged as kubectl merges it: the first file wins each name and the current-context,
and relative paths resolve against the file that names them."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from svctui.kube import api as kapi
from svctui.kube.config import KubeConfigError, load_target
from svctui.kube.kubeconfig import merge

from ..conftest import start_sim


def _dump(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def test_first_file_wins_each_name_and_paths_resolve_against_their_own_file(tmp_path):
    a = _dump(tmp_path / "one" / "a", {
        "clusters": [{"name": "c", "cluster": {"server": "https://a", "certificate-authority": "ca.pem"}}],
        "users": [{"name": "u", "user": {"client-certificate": "/abs/cert.pem", "client-key": "keys/k.pem"}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
    })
    b = _dump(tmp_path / "two" / "b", {
        "current-context": "y",
        "clusters": [{"name": "c", "cluster": {"server": "https://b"}},
                     {"name": "d", "cluster": {"server": "https://d", "certificate-authority": "../d-ca.pem"}}],
        "users": [{"name": "u", "user": {"token": "ignored"}},
                  {"name": "e", "user": {"tokenFile": "tok", "exec": {"command": "bin/plugin"}}},
                  {"name": "f", "user": {"exec": {"command": "aws"}}}],
        "contexts": [{"name": "x", "context": {"cluster": "d"}}, {"name": "y", "context": {"cluster": "d", "user": "e"}}],
    })
    c = _dump(tmp_path / "c", {"current-context": "x"})
    m = merge([a, b, c])
    assert m.current == "y"  # the first file that sets one (a sets none)
    assert m.clusters["c"] == {"server": "https://a", "certificate-authority": str(tmp_path / "one" / "ca.pem")}
    assert m.users["u"] == {"client-certificate": "/abs/cert.pem", "client-key": str(tmp_path / "one" / "keys" / "k.pem")}
    assert m.contexts["x"] == {"cluster": "c", "user": "u"}
    assert m.clusters["d"]["certificate-authority"] == str(tmp_path / "two" / ".." / "d-ca.pem")
    assert m.users["e"]["tokenFile"] == str(tmp_path / "two" / "tok")
    assert m.users["e"]["exec"]["command"] == str(tmp_path / "two" / "bin" / "plugin")
    assert m.users["f"]["exec"]["command"] == "aws"  # a bare name is looked up on PATH, not resolved


async def test_split_kubeconfig_over_tls_with_relative_ca_token_file_and_plugin(tmp_path):
    """The cluster, user and context in three files, the CA and token in files named relatively: the
    client reaches the sim's authenticating TLS front door, and kubectl agrees on every piece."""
    sim = start_sim(tls=True, auth="token")
    try:
        full = yaml.safe_load(sim.write_kubeconfig(tmp_path / "full").read_text())
        cluster = full["clusters"][0]["cluster"]
        (tmp_path / "clusters" / "pki").mkdir(parents=True)
        (tmp_path / "clusters" / "pki" / "ca.pem").write_bytes(base64.b64decode(cluster.pop("certificate-authority-data")))
        cluster["certificate-authority"] = "pki/ca.pem"
        _dump(tmp_path / "clusters" / "config", {"clusters": full["clusters"]})
        (tmp_path / "users").mkdir()
        (tmp_path / "users" / "token").write_text(full["users"][0]["user"]["token"] + "\n")
        _dump(tmp_path / "users" / "config", {"users": [{"name": "svctui-sim", "user": {"tokenFile": "token"}}]})
        ctx = _dump(tmp_path / "contexts", {"contexts": full["contexts"], "current-context": "svctui-sim"})
        # A later file's different current-context and same-named user lose.
        later = _dump(tmp_path / "later", {"current-context": "nope", "users": [{"name": "svctui-sim", "user": {"token": "bad"}}]})
        kubeconfig = os.pathsep.join(str(p) for p in (ctx, tmp_path / "clusters" / "config", tmp_path / "users" / "config", later))
        env = {"KUBECONFIG": kubeconfig, "HOME": str(tmp_path)}
        # Run from elsewhere: relative means relative to the file, not to the working directory.
        cwd = os.getcwd()
        os.chdir("/")
        try:
            t = await load_target(environ=env)
        finally:
            os.chdir(cwd)
        try:
            assert t.server.startswith("https://") and t.context == "svctui-sim"
            body = await kapi.get_json(t.api, "/api/v1/namespaces/default/services", [])
            assert any(i["metadata"]["name"] == "kubernetes" for i in body["items"])
        finally:
            await t.close()
        if shutil.which("kubectl"):
            out = subprocess.run(["kubectl", "get", "svc", "kubernetes", "-o", "name"], capture_output=True, text=True,
                                 env=dict(os.environ, **env), cwd="/", timeout=60)
            assert out.stdout.strip() == "service/kubernetes", out.stderr
    finally:
        sim.stop()


async def test_a_context_naming_an_undefined_user_is_an_error_in_words(tmp_path):
    a = _dump(tmp_path / "a", {"clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:1"}}],
                               "contexts": [{"name": "x", "context": {"cluster": "c", "user": "ghost"}}],
                               "current-context": "x"})
    with pytest.raises(KubeConfigError) as info:
        await load_target(kubeconfig=str(a))
    assert str(info.value) == f"context 'x' in {a} names user 'ghost', which no kubeconfig file defines"


async def test_a_missing_exec_plugin_is_reported_before_anything_runs(tmp_path):
    a = _dump(tmp_path / "a", {
        "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                                  "command": "./no-such-plugin", "interactiveMode": "Never"}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}], "current-context": "x"})
    for authenticate in (False, True):
        with pytest.raises(KubeConfigError) as info:
            await load_target(kubeconfig=str(a), authenticate=authenticate)
        assert str(info.value) == (f"exec credential plugin {str(tmp_path / 'no-such-plugin')!r} "
                                   "not found for context x (user u)")
