"""RBAC in the sim, seen by unmodified kubectl: who a user is, what she may do, and the apiserver's 403s."""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from svctui.sim.rbac import Attributes, rule_allows
from svctui.sim.requestinfo import attributes
from svctui.sim.runner import SimThread
from tests.conftest import Kubectl, start_secure_sim

JANE = ("--context", "svctui-sim-jane")


@pytest.fixture(scope="module")
def limited() -> Iterator[SimThread]:
    s = start_secure_sim(["demo", "rbac-limited"], auth="token", users=("jane",))
    yield s
    s.stop()


@pytest.fixture
def kubectl(limited: SimThread, tmp_path: Path) -> Kubectl:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    return Kubectl(limited.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path / "cache")


def can_i(kubectl: Kubectl, *args: str) -> str:
    return kubectl.run(*args, check=False).stdout.strip()


def test_whoami(kubectl):
    assert kubectl(*JANE, "auth", "whoami").split() == ["ATTRIBUTE", "VALUE", "Username", "jane", "Groups",
                                                        "[system:authenticated]"]
    assert "[system:masters system:authenticated]" in kubectl("auth", "whoami")


def test_can_i_follows_the_bindings(kubectl):
    assert can_i(kubectl, *JANE, "auth", "can-i", "list", "pods", "-n", "demo") == "yes"
    assert can_i(kubectl, *JANE, "auth", "can-i", "watch", "endpointslices.discovery.k8s.io", "-n", "demo") == "yes"
    assert can_i(kubectl, *JANE, "auth", "can-i", "list", "pods", "-n", "default") == "no"
    assert can_i(kubectl, *JANE, "auth", "can-i", "list", "namespaces") == "yes"
    assert can_i(kubectl, *JANE, "auth", "can-i", "list", "nodes") == "no"
    assert can_i(kubectl, *JANE, "auth", "can-i", "delete", "pods", "-n", "demo") == "no"
    assert can_i(kubectl, *JANE, "auth", "can-i", "create", "pods/exec", "-n", "demo") == "no"
    assert can_i(kubectl, *JANE, "auth", "can-i", "get", "pods/log", "-n", "demo") == "yes"
    assert can_i(kubectl, "auth", "can-i", "delete", "pods", "-n", "demo") == "yes"


def test_forbidden_wording(kubectl):
    out = kubectl.run(*JANE, "get", "pods", "-n", "default", check=False)
    assert out.returncode == 1
    assert out.stderr.strip() == ('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource '
                                  '"pods" in API group "" in the namespace "default"')
    out = kubectl.run(*JANE, "get", "nodes", check=False)
    assert out.stderr.strip() == ('Error from server (Forbidden): nodes is forbidden: User "jane" cannot list '
                                  'resource "nodes" in API group "" at the cluster scope')
    out = kubectl.run(*JANE, "scale", "deployment", "api", "-n", "demo", "--replicas=1", check=False)
    assert 'deployments.apps "api" is forbidden: User "jane" cannot patch resource "deployments/scale" in API group ' \
           '"apps" in the namespace "demo"' in out.stderr
    assert "api-" in kubectl(*JANE, "get", "pods", "-n", "demo")


def test_granting_with_kubectl_takes_effect(kubectl):
    pods = kubectl("get", "pods", "-n", "demo", "-o", "name").split()
    one = pods[0].split("/", 1)[1]
    kubectl("create", "role", "delete-one", "-n", "demo", "--verb=delete", "--resource=pods", f"--resource-name={one}")
    kubectl("create", "rolebinding", "jane-delete-one", "-n", "demo", "--role=delete-one", "--user=jane")
    try:
        assert can_i(kubectl, *JANE, "auth", "can-i", "delete", f"pod/{one}", "-n", "demo") == "yes"
        other = pods[1].split("/", 1)[1]
        out = kubectl.run(*JANE, "delete", "pod", other, "-n", "demo", "--wait=false", check=False)
        assert f'pods "{other}" is forbidden: User "jane" cannot delete resource "pods"' in out.stderr
        assert "Role/delete-one" in kubectl("get", "rolebinding", "jane-delete-one", "-n", "demo", "-o", "wide")
    finally:
        kubectl("delete", "rolebinding", "jane-delete-one", "-n", "demo")
        kubectl("delete", "role", "delete-one", "-n", "demo")
    assert can_i(kubectl, *JANE, "auth", "can-i", "delete", f"pod/{one}", "-n", "demo") == "no"


def test_binding_to_a_missing_role_says_so(kubectl):
    kubectl("create", "rolebinding", "dangling", "-n", "default", "--clusterrole=no-such-role", "--user=jane")
    try:
        out = kubectl.run(*JANE, "get", "pods", "-n", "default", check=False)
        assert out.stderr.strip().endswith(
            'in the namespace "default": RBAC: clusterrole.rbac.authorization.k8s.io "no-such-role" not found')
    finally:
        kubectl("delete", "rolebinding", "dangling", "-n", "default")


def test_can_i_list(kubectl):
    out = kubectl(*JANE, "auth", "can-i", "--list", "-n", "demo").splitlines()[1:]
    rows = {line.split()[0]: line.split("[]")[-1].strip() for line in out if not line.startswith(" ")}
    assert rows["pods"] == "[get list watch]"
    assert rows["selfsubjectaccessreviews.authorization.k8s.io"] == "[create]"
    assert "pods/exec" not in rows


def test_bootstrap_roles_and_validation(kubectl):
    names = kubectl("get", "clusterroles", "-o", "name").split()
    for want in ("cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user",
                 "system:public-info-viewer"):
        assert f"clusterrole.rbac.authorization.k8s.io/{want}" in names
    bad = kubectl.run("create", "-f", "-", check=False, input=(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad, namespace: demo}\n"
        "rules:\n- apiGroups: ['']\n  resources: [pods]\n  verbz: [get]\n"))
    assert bad.returncode == 1
    assert 'unknown field "rules[0].verbz"' in bad.stderr


def test_anonymous_health_but_not_version(limited):
    ctx = __import__("ssl").create_default_context(cadata=limited.ca_pem.decode())
    with urllib.request.urlopen(limited.url + "/readyz", context=ctx, timeout=10) as r:
        assert r.read() == b"ok"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(limited.url + "/version", context=ctx, timeout=10)
    assert err.value.code == 401


# ---- the rule matcher and request attributes, on plain data ----

def _res(verb: str, resource: str, sub: str = "", group: str = "", name: str = "") -> Attributes:
    return Attributes(verb=verb, resource_request=True, group=group, resource=resource, subresource=sub,
                      namespace="demo", name=name)


def test_rule_allows():
    rule = {"verbs": ["get"], "apiGroups": ["apps"], "resources": ["*/scale"]}
    assert rule_allows(_res("get", "deployments", "scale", "apps"), rule)
    assert not rule_allows(_res("get", "deployments", "", "apps"), rule)
    assert not rule_allows(_res("get", "deployments", "scale", ""), rule)
    pods = {"verbs": ["*"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}
    assert rule_allows(_res("delete", "pods", name="a"), pods)
    assert not rule_allows(_res("delete", "pods", name="b"), pods)
    assert not rule_allows(_res("list", "pods"), pods)
    assert not rule_allows(_res("create", "pods", "exec", name="a"), pods)
    urls = {"verbs": ["get"], "nonResourceURLs": ["/apis/*", "/version"]}
    assert rule_allows(Attributes("get", False, path="/apis/apps/v1"), urls)
    assert not rule_allows(Attributes("get", False, path="/version/x"), urls)
    assert not rule_allows(Attributes("post", False, path="/version"), urls)


def test_request_attributes():
    a = attributes("GET", "/api/v1/namespaces/demo/pods", {"watch": "true"})
    assert (a.verb, a.resource, a.namespace, a.name) == ("watch", "pods", "demo", "")
    a = attributes("GET", "/api/v1/pods", {"fieldSelector": "metadata.name=x"})
    assert (a.verb, a.namespace, a.name) == ("list", "", "x")
    a = attributes("DELETE", "/apis/apps/v1/namespaces/demo/deployments", {})
    assert (a.verb, a.group) == ("deletecollection", "apps")
    a = attributes("GET", "/api/v1/namespaces/demo/pods/p/exec", {})
    assert (a.verb, a.subresource) == ("create", "exec")
    a = attributes("GET", "/api/v1/namespaces/demo", {})
    assert (a.resource, a.namespace, a.name) == ("namespaces", "demo", "demo")
    assert not attributes("GET", "/apis/apps/v1", {}).resource_request


@pytest.mark.parametrize("auth", ["cert", "exec"])
def test_jane_with_each_credential(auth, tmp_path):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    s = start_secure_sim(["rbac-limited"], auth=auth, users=("jane:devs,ops",))
    try:
        k = Kubectl(s.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path / "cache")
        assert "Groups      [devs ops system:authenticated]" in k(*JANE, "auth", "whoami")
        assert "Username    svctui-sim" in k("auth", "whoami")
        assert can_i(k, *JANE, "auth", "can-i", "list", "pods", "-n", "demo") == "yes"
        assert can_i(k, *JANE, "auth", "can-i", "list", "pods", "-n", "default") == "no"
    finally:
        s.stop()


@pytest.mark.parametrize("argv, message", [
    (["--user", "jane"], "svctui sim: error: --user needs --auth token, cert or exec\n"),
    (["--auth", "token", "--user", "ja/ne"], "svctui sim: error: user must be NAME or NAME:GROUP,... with a plain "
                                             "name (got 'ja/ne')\n"),
    (["--auth", "token", "--user", "svctui-sim"], "svctui sim: error: user 'svctui-sim' is the sim's admin: pick "
                                                  "another name\n"),
])
def test_cli_user_errors(argv, message, capsys):
    from svctui.commands.sim import main

    assert main(argv) == 2
    assert capsys.readouterr().err == message


def test_impersonation(kubectl):
    assert can_i(kubectl, "auth", "can-i", "delete", "pods", "--as=jane", "-n", "demo") == "no"
    assert can_i(kubectl, "auth", "can-i", "list", "pods", "--as=jane", "-n", "demo") == "yes"
    assert "Groups      [devs system:authenticated]" in kubectl("auth", "whoami", "--as=jane", "--as-group=devs")
    out = kubectl.run(*JANE, "get", "pods", "-n", "demo", "--as=bob", check=False)
    assert out.stderr.strip() == ('Error from server (Forbidden): users "bob" is forbidden: User "jane" cannot '
                                  'impersonate resource "users" in API group "" at the cluster scope')


def test_non_resource_forbidden(kubectl):
    out = kubectl.run(*JANE, "get", "--raw", "/metrics", check=False)
    assert out.stderr.strip() == 'Error from server (Forbidden): forbidden: User "jane" cannot get path "/metrics"'
    assert '"gitVersion":"v1.32.2"' in kubectl(*JANE, "get", "--raw", "/version")


def test_streaming_subresources_follow_the_role(kubectl):
    pod = kubectl(*JANE, "get", "pods", "-n", "demo", "-o", "name").split()[0]
    out = kubectl.run(*JANE, "exec", "-n", "demo", pod, "--", "hostname", check=False)
    assert 'cannot create resource "pods/exec" in API group "" in the namespace "demo"' in out.stderr
    assert kubectl(*JANE, "logs", "-n", "demo", pod, "--tail=1").strip(), "view reads pods/log"
    kubectl("create", "rolebinding", "jane-edit", "-n", "demo", "--clusterrole=edit", "--user=jane")
    try:
        assert kubectl(*JANE, "exec", "-n", "demo", pod, "--", "hostname").strip() == pod.split("/", 1)[1]
        out = kubectl.run(*JANE, "create", "role", "x", "-n", "demo", "--verb=get", "--resource=pods", check=False)
        assert 'cannot create resource "roles" in API group "rbac.authorization.k8s.io"' in out.stderr
    finally:
        kubectl("delete", "rolebinding", "jane-edit", "-n", "demo")


def test_no_escalation_through_roles_or_bindings(kubectl):
    kubectl("create", "rolebinding", "jane-admin", "-n", "demo", "--clusterrole=admin", "--user=jane")
    try:
        kubectl(*JANE, "create", "role", "pod-reader", "-n", "demo", "--verb=get,list", "--resource=pods")
        out = kubectl.run(*JANE, "create", "role", "everything", "-n", "demo", "--verb=*", "--resource=*", check=False)
        assert out.stderr.strip() == (
            'Error from server (Forbidden): roles.rbac.authorization.k8s.io "everything" is forbidden: user "jane" '
            '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
            '{APIGroups:[""], Resources:["*"], Verbs:["*"]}')
        kubectl(*JANE, "create", "rolebinding", "bob-view", "-n", "demo", "--clusterrole=view", "--user=bob")
        out = kubectl.run(*JANE, "create", "rolebinding", "bob-admin", "-n", "demo", "--clusterrole=cluster-admin",
                          "--user=bob", check=False)
        assert 'is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], ' \
               'Verbs:["*"]}' in out.stderr
        # The admin may (system:masters is exempt).
        kubectl("create", "rolebinding", "bob-admin", "-n", "demo", "--clusterrole=cluster-admin", "--user=bob")
    finally:
        kubectl("delete", "rolebinding", "jane-admin", "bob-view", "bob-admin", "-n", "demo", "--ignore-not-found")
        kubectl("delete", "role", "pod-reader", "-n", "demo", "--ignore-not-found")
