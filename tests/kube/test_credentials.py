"""The credential object on a tiny exec plugin of our own: when it runs, what it is given, what is
kept, and the errors a person sees. No cluster here; tests/kube/test_auth_frontdoor.py runs the same
object against the sim's authenticating TLS front door."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sys
from pathlib import Path

import pytest

from svctui.kube.credentials import CredentialError, Credentials

# Each run appends the KUBERNETES_EXEC_INFO it was given to RUNS, sleeps DELAY s (so concurrent callers
# overlap), and prints token-<n> expiring EXPIRES (an RFC 3339 time, or nothing).
PLUGIN = r'''#!{python}
import json, os, sys, time
d = os.path.dirname(os.path.abspath(__file__))
runs = os.path.join(d, "runs")
with open(runs, "a") as f:
    f.write(os.environ.get("KUBERNETES_EXEC_INFO", "") + "\n")
n = sum(1 for _ in open(runs))
time.sleep(float(os.environ.get("DELAY", "0")))
if os.environ.get("FAIL"):
    print("first line", file=sys.stderr)
    print("token endpoint said no", file=sys.stderr)
    sys.exit(3)
status = {{"token": "token-%d" % n}}
if os.environ.get("CERT"):
    status = {{"clientCertificateData": "CERT-%d" % n, "clientKeyData": "KEY-%d" % n}}
if os.environ.get("EXPIRES"):
    status["expirationTimestamp"] = os.environ["EXPIRES"]
api = json.loads(os.environ["KUBERNETES_EXEC_INFO"])["apiVersion"]
print(json.dumps({{"apiVersion": os.environ.get("ANSWER_VERSION", api), "kind": "ExecCredential", "status": status}}))
'''

V1 = "client.authentication.k8s.io/v1"
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def plugin(tmp_path: Path) -> Path:
    p = tmp_path / "plugin"
    p.write_text(PLUGIN.format(python=sys.executable))
    p.chmod(0o755)
    return p


def runs(tmp_path: Path) -> list[dict]:
    f = tmp_path / "runs"
    return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []


class Clock:
    def __init__(self) -> None:
        self.t = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t


def exec_user(tmp_path: Path, api_version: str = V1, **env: str) -> dict:
    return {"exec": {"apiVersion": api_version, "command": str(plugin(tmp_path)), "interactiveMode": "Never",
                     "env": [{"name": k, "value": v} for k, v in env.items()]}}


@pytest.mark.parametrize("version", [V1, V1BETA1])
async def test_plugin_runs_once_then_again_only_when_the_credential_expires(tmp_path, version):
    clock = Clock()
    creds = Credentials(exec_user(tmp_path, version, EXPIRES="2026-01-01T12:15:00Z"),
                        context="eks", user_name="admin", now=clock)
    m = await creds.current()
    assert m.authorization == "Bearer token-1"
    for _ in range(5):
        assert (await creds.current()).authorization == "Bearer token-1"
    clock.t = dt.datetime(2026, 1, 1, 12, 14, 59, tzinfo=dt.UTC)
    assert (await creds.current()).authorization == "Bearer token-1"
    clock.t = dt.datetime(2026, 1, 1, 12, 15, 0, tzinfo=dt.UTC)  # client-go: expired at, not before
    assert (await creds.current()).authorization == "Bearer token-2"
    info = runs(tmp_path)
    assert len(info) == 2 and creds.plugin_runs == 2
    assert info[0] == {"apiVersion": version, "kind": "ExecCredential", "spec": {"interactive": False}}


async def test_a_credential_without_expiry_is_kept_until_a_401(tmp_path):
    creds = Credentials(exec_user(tmp_path), context="c", user_name="u")
    m = await creds.current()
    assert (await creds.current()) == m
    assert await creds.rejected(m) is True
    assert (await creds.current()).authorization == "Bearer token-2"
    assert len(runs(tmp_path)) == 2


async def test_many_streams_refused_together_run_the_plugin_once(tmp_path):
    creds = Credentials(exec_user(tmp_path, DELAY="0.3"), context="c", user_name="u")
    m = await creds.current()
    answers = await asyncio.gather(*(creds.rejected(m) for _ in range(20)))
    assert all(answers)
    assert len(runs(tmp_path)) == 2  # start + one refresh for all twenty
    assert (await creds.current()).authorization == "Bearer token-2"


async def test_concurrent_first_use_runs_the_plugin_once(tmp_path):
    creds = Credentials(exec_user(tmp_path, DELAY="0.3"), context="c", user_name="u")
    got = await asyncio.gather(*(creds.current() for _ in range(10)))
    assert {g.authorization for g in got} == {"Bearer token-1"}
    assert len(runs(tmp_path)) == 1


async def test_a_401_to_an_older_credential_does_not_run_the_plugin_again(tmp_path):
    creds = Credentials(exec_user(tmp_path), context="c", user_name="u")
    old = await creds.current()
    assert await creds.rejected(old)
    assert await creds.rejected(old)  # someone else already replaced it: retry with the new one
    assert len(runs(tmp_path)) == 2


async def test_client_certificates_from_a_plugin(tmp_path):
    creds = Credentials(exec_user(tmp_path, CERT="1"), context="c", user_name="u")
    m = await creds.current()
    assert m.authorization is None
    assert Path(m.cert_file).read_text() == "CERT-1" and Path(m.key_file).read_text() == "KEY-1"
    assert oct(os.stat(m.key_file).st_mode & 0o777) == "0o600"
    assert await creds.rejected(m)
    m2 = await creds.current()
    assert Path(m2.cert_file).read_text() == "CERT-2"
    d = Path(m2.cert_file).parent
    creds.close()
    assert not d.exists()  # the PEM files do not outlive the client


async def test_a_missing_plugin_is_named_with_its_install_hint(tmp_path):
    user = {"exec": {"apiVersion": V1, "command": "aws-iam-authenticator-nope",
                     "installHint": "install it from https://example.invalid/aws\nsecond line"}}
    creds = Credentials(user, context="eks", user_name="admin")
    with pytest.raises(CredentialError) as info:
        await creds.current()
    assert str(info.value) == ("exec credential plugin 'aws-iam-authenticator-nope' not found for context eks "
                               "(user admin) (install it from https://example.invalid/aws)")


async def test_a_failing_plugin_says_which_command_and_its_last_words(tmp_path):
    user = exec_user(tmp_path, FAIL="1")
    creds = Credentials(user, context="eks", user_name="admin")
    with pytest.raises(CredentialError) as info:
        await creds.current()
    msg = str(info.value)
    assert msg == (f"exec credential plugin {user['exec']['command']!r} for context eks (user admin) failed "
                   "(exit 3): token endpoint said no")
    assert "\n" not in msg


async def test_a_plugin_answering_another_version_is_refused(tmp_path):
    creds = Credentials(exec_user(tmp_path, ANSWER_VERSION=V1BETA1), context="c", user_name="u")
    with pytest.raises(CredentialError, match="it answered 'client.authentication.k8s.io/v1beta1', the kubeconfig asks for"):
        await creds.current()


def test_an_unknown_exec_api_version_is_refused_up_front(tmp_path):
    with pytest.raises(CredentialError, match="apiVersion 'client.authentication.k8s.io/v1alpha1' is not one of"):
        Credentials(exec_user(tmp_path, "client.authentication.k8s.io/v1alpha1"), context="c", user_name="u")


async def test_token_file_is_re_read_when_it_changes(tmp_path):
    tf = tmp_path / "token"
    tf.write_text("first\n")
    creds = Credentials({"tokenFile": str(tf)}, context="c", user_name="u")
    m1 = await creds.current()
    assert m1.authorization == "Bearer first"
    assert (await creds.current()) == m1
    tf.write_text("second-token\n")
    m2 = await creds.current()
    assert m2.authorization == "Bearer second-token" and m2.generation != m1.generation
    assert await creds.rejected(m2) is False  # the same file again: nothing new to try


async def test_a_static_token_401_is_final(tmp_path):
    creds = Credentials({"token": "abc"}, context="c", user_name="u")
    m = await creds.current()
    assert m.authorization == "Bearer abc"
    assert await creds.rejected(m) is False
    assert creds.rejected_message() == "credentials rejected for context c (user u): token expired or invalid"


async def test_the_plugin_is_told_about_the_cluster_when_it_asks(tmp_path):
    user = exec_user(tmp_path)
    user["exec"]["provideClusterInfo"] = True
    cluster = {"server": "https://10.0.0.1:6443", "tls-server-name": "api.internal", "certificate-authority-data": "Q0E=",
               "extensions": [{"name": "client.authentication.k8s.io/exec", "extension": {"audience": "x"}}]}
    await Credentials(user, context="c", user_name="u", cluster=cluster).current()
    assert runs(tmp_path)[0]["spec"] == {"interactive": False, "cluster": {
        "server": "https://10.0.0.1:6443", "tls-server-name": "api.internal", "certificate-authority-data": "Q0E=",
        "config": {"audience": "x"}}}


def test_a_plugin_that_must_be_interactive_is_refused_in_words(tmp_path):
    user = exec_user(tmp_path)
    user["exec"]["interactiveMode"] = "Always"
    with pytest.raises(CredentialError, match=r"needs interactive mode \(interactiveMode: Always\), which svctui "
                                              "cannot offer: log in with kubectl first"):
        Credentials(user, context="c", user_name="u")


async def test_basic_auth_and_no_credential_at_all():
    assert (await Credentials({"username": "ops", "password": "p:w"}, context="c", user_name="u").current()
            ).authorization == "Basic b3BzOnA6dw=="
    assert (await Credentials({}, context="c", user_name="").current()).authorization is None
