"""Generic API semantics of the simulated apiserver, seen through HTTP and kubectl as a real client sees them.

ConfigMaps and Namespaces carry most verb tests: no controller touches them, so what we read back is what
the API layer did.
"""

from __future__ import annotations

import base64
import json

import orjson
import pytest
import requests

TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
CM = "/api/v1/namespaces/default/configmaps"


class Http:
    """A thin JSON client over requests: `http.get(path)` returns the Response."""

    def __init__(self, base: str):
        self.base = base
        self.s = requests.Session()

    def request(self, method: str, path: str, body=None, ctype: str = "application/json", **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers["Content-Type"] = ctype
        return self.s.request(method, self.base + path, data=data, headers=headers, timeout=30, **kw)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body, **kw) -> requests.Response:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body, **kw) -> requests.Response:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body, ctype: str, **kw) -> requests.Response:
        return self.request("PATCH", path, body, ctype=ctype, **kw)

    def delete(self, path: str, body=None, **kw) -> requests.Response:
        return self.request("DELETE", path, body, **kw)

    def names(self, path: str, **params) -> list[str]:
        r = self.get(path, params=params)
        assert r.status_code == 200, r.text
        return [o["metadata"]["name"] for o in r.json()["items"]]


@pytest.fixture
def http(sim) -> Http:
    return Http(sim.url)


def cm(name: str, labels: dict | None = None, data: dict | None = None, ns: str = "default") -> dict:
    md: dict = {"name": name, "namespace": ns}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data or {"k": "v"}}


def create_cms(http: Http, *specs: tuple[str, dict]) -> None:
    for name, labels in specs:
        r = http.post(CM, cm(name, labels))
        assert r.status_code == 201, r.text


def assert_status(r: requests.Response, code: int, reason: str, message: str | None = None) -> dict:
    assert r.status_code == code, r.text
    st = r.json()
    assert st["kind"] == "Status" and st["apiVersion"] == "v1" and st["status"] == "Failure", st
    assert st["code"] == code and st["reason"] == reason, st
    if message is not None:
        assert st["message"] == message, st
    return st


def snapshot(http: Http, path: str = CM) -> list:
    """Everything about a collection that a write could change."""
    r = http.get(path)
    assert r.status_code == 200
    return sorted((o["metadata"]["name"], o["metadata"]["resourceVersion"], orjson.dumps(o, option=orjson.OPT_SORT_KEYS))
                  for o in r.json()["items"])


# ---- discovery ----

def test_version_and_legacy_discovery(http):
    v = http.get("/version").json()
    assert v["major"] == "1" and v["minor"] == "32" and v["gitVersion"].startswith("v1.32.")
    assert {"gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"} <= set(v)

    api = http.get("/api").json()
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]

    groups = {g["name"]: g for g in http.get("/apis").json()["groups"]}
    assert {"apps", "discovery.k8s.io"} <= set(groups)
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}

    core = {r["name"]: r for r in http.get("/api/v1").json()["resources"]}
    assert core["pods"]["kind"] == "Pod" and core["pods"]["namespaced"] and "po" in core["pods"]["shortNames"]
    assert set(core["pods"]["verbs"]) >= {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
    for sub in ("pods/exec", "pods/attach", "pods/log", "pods/portforward", "pods/ephemeralcontainers", "pods/status"):
        assert sub in core, sub
    assert core["pods/eviction"]["group"] == "policy" and core["pods/eviction"]["kind"] == "Eviction"
    assert core["namespaces"]["namespaced"] is False

    apps = http.get("/apis/apps/v1").json()
    assert apps["kind"] == "APIResourceList" and apps["groupVersion"] == "apps/v1"
    res = {r["name"]: r for r in apps["resources"]}
    scale = res["deployments/scale"]
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert set(scale["verbs"]) == {"get", "patch", "update"}
    assert http.get("/apis/discovery.k8s.io/v1").json()["resources"][0]["name"] == "endpointslices"


def test_unknown_paths_are_404(http):
    assert_status(http.get("/api/v1/widgets"), 404, "NotFound", "the server could not find the requested resource")
    assert http.get("/apis/nope.example.com/v1").status_code == 404


@pytest.mark.kubectl
def test_kubectl_api_resources(kubectl):
    out = kubectl("api-resources")
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {ln.split()[0]: ln.split() for ln in lines[1:]}
    assert rows["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert rows["endpointslices"] == ["endpointslices", "discovery.k8s.io/v1", "true", "EndpointSlice"]
    assert rows["namespaces"] == ["namespaces", "ns", "v1", "false", "Namespace"]


# ---- errors ----

def test_not_found_status(http):
    st = assert_status(http.get("/api/v1/namespaces/default/pods/x"), 404, "NotFound", 'pods "x" not found')
    assert st["details"] == {"name": "x", "kind": "pods"}
    st = assert_status(http.get("/apis/apps/v1/namespaces/default/deployments/x"), 404, "NotFound",
                       'deployments.apps "x" not found')
    assert st["details"] == {"name": "x", "group": "apps", "kind": "deployments"}
    # A namespace that does not exist refuses creations in it.
    st = assert_status(http.post("/api/v1/namespaces/ghost/configmaps", cm("a", ns="ghost")), 404, "NotFound",
                       'namespaces "ghost" not found')


def test_already_exists_and_conflict(http):
    assert http.post(CM, cm("a")).status_code == 201
    st = assert_status(http.post(CM, cm("a")), 409, "AlreadyExists", 'configmaps "a" already exists')
    assert st["details"] == {"name": "a", "kind": "configmaps"}

    current = http.get(f"{CM}/a").json()
    stale = dict(current, data={"k": "first"})
    assert http.put(f"{CM}/a", stale).status_code == 200
    stale["data"] = {"k": "second"}
    assert_status(http.put(f"{CM}/a", stale), 409, "Conflict",
                  'Operation cannot be fulfilled on configmaps "a": the object has been modified; '
                  "please apply your changes to the latest version and try again")
    assert http.get(f"{CM}/a").json()["data"] == {"k": "first"}


@pytest.mark.kubectl
def test_kubectl_prints_server_errors(kubectl):
    r = kubectl.run("get", "configmap", "nope", check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): configmaps "nope" not found'


def test_invalid_has_causes_and_stores_nothing(http):
    before = snapshot(http)
    st = assert_status(http.post(CM, cm("Bad_Name")), 422, "Invalid")
    assert st["message"].startswith('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
                                    "a lowercase RFC 1123 subdomain")
    assert st["details"]["name"] == "Bad_Name" and st["details"]["kind"] == "ConfigMap"
    assert st["details"]["causes"][0]["reason"] == "FieldValueInvalid"
    assert st["details"]["causes"][0]["field"] == "metadata.name"

    st = assert_status(http.post(CM, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}), 422, "Invalid")
    assert st["details"]["causes"][0] == {"reason": "FieldValueRequired", "message": "name or generateName is required",
                                          "field": "metadata.name"}
    bad_label = cm("ok", labels={"app": "no spaces allowed"})
    st = assert_status(http.post(CM, bad_label), 422, "Invalid")
    assert st["details"]["causes"][0]["field"] == "metadata.labels"
    assert snapshot(http) == before


def test_bad_requests_are_400_and_store_nothing(http):
    create_cms(http, ("a", {"app": "x"}))
    before = snapshot(http)
    st = assert_status(http.post(CM, b"{not json"), 400, "BadRequest")
    assert "the object provided is unrecognized" in st["message"]
    assert_status(http.post(CM, b"[1,2]"), 400, "BadRequest")
    # The body must be of the collection's kind.
    assert_status(http.post(CM, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}), 400, "BadRequest",
                  "the kind in the data (Secret) does not match the expected kind (ConfigMap)")
    assert_status(http.put(f"{CM}/a", cm("b")), 400, "BadRequest",
                  "the name of the object (b) does not match the name on the URL (a)")
    assert_status(http.patch(f"{CM}/a", b"{oops", "application/merge-patch+json"), 400, "BadRequest")
    assert_status(http.get(CM, params={"labelSelector": "app in (x"}), 400, "BadRequest")
    st = assert_status(http.get(CM, params={"fieldSelector": "spec.nodeName=n"}), 400, "BadRequest")
    assert st["message"] == "field label not supported: spec.nodeName"
    assert_status(http.delete(CM, params={"labelSelector": "=x"}), 400, "BadRequest")
    assert snapshot(http) == before


def test_dry_run_stores_nothing(http):
    before = snapshot(http)
    r = http.post(CM, cm("dry"), params={"dryRun": "All"})
    assert r.status_code == 201 and r.json()["metadata"]["name"] == "dry"
    assert snapshot(http) == before
    assert_status(http.post(CM, cm("dry"), params={"dryRun": "Some"}), 400, "BadRequest")
    create_cms(http, ("a", None))
    before = snapshot(http)
    assert http.patch(f"{CM}/a", {"data": {"x": "y"}}, "application/merge-patch+json", params={"dryRun": "All"}).json()["data"] == {"k": "v", "x": "y"}
    assert http.delete(f"{CM}/a", params={"dryRun": "All"}).status_code == 200
    assert snapshot(http) == before


@pytest.mark.kubectl
def test_kubectl_dry_run_server(kubectl, http):
    out = kubectl("create", "-f", "-", "--dry-run=server", "-o", "name", input=json.dumps(cm("dry")))
    assert out.strip() == "configmap/dry"
    assert http.get(f"{CM}/dry").status_code == 404


# ---- selectors ----

def test_label_selectors(http):
    create_cms(http, ("a", {"app": "web", "tier": "front"}), ("b", {"app": "web", "tier": "back"}),
               ("c", {"app": "db"}), ("d", None))
    cases = {
        "app=web": ["a", "b"],
        "app==web": ["a", "b"],
        "app!=web": ["c", "d", "kube-root-ca.crt"],
        "app in (web,db)": ["a", "b", "c"],
        "tier notin (front)": ["b", "c", "d", "kube-root-ca.crt"],
        "tier": ["a", "b"],
        "!tier": ["c", "d", "kube-root-ca.crt"],
        "app=web,tier=back": ["b"],
        "app,!tier": ["c"],
    }
    present = set(http.names(CM))
    for sel, want in cases.items():
        want = [n for n in want if n in present]
        assert http.names(CM, labelSelector=sel) == want, sel


def test_field_selectors(http):
    create_cms(http, ("a", None), ("b", None))
    assert http.names(CM, fieldSelector="metadata.name=b") == ["b"]
    assert http.names(CM, fieldSelector="metadata.name!=b,metadata.name!=kube-root-ca.crt") == ["a"]
    assert http.names("/api/v1/configmaps", fieldSelector="metadata.namespace=default,metadata.name==a") == ["a"]
    assert http.names("/api/v1/namespaces", fieldSelector="metadata.name=kube-system") == ["kube-system"]
    # Pod-only fields are accepted for pods (even when nothing matches) and refused elsewhere.
    assert http.names("/api/v1/pods", fieldSelector="spec.nodeName=nowhere,status.phase=Running") == []
    for f in ("status.podIP", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName"):
        assert http.get("/api/v1/pods", params={"fieldSelector": f + "=x"}).status_code == 200, f
    assert http.get("/api/v1/events", params={"fieldSelector": "involvedObject.kind=Pod,involvedObject.name=x,"
                                              "involvedObject.namespace=default,involvedObject.uid=u"}).status_code == 200
    assert_status(http.get("/api/v1/pods", params={"fieldSelector": "spec.bogus=x"}), 400, "BadRequest",
                  "field label not supported: spec.bogus")


def test_pod_field_selectors_match(http):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"nodeName": "svctui-worker", "containers": [{"name": "c", "image": "busybox"}]}}
    r = http.post("/api/v1/namespaces/default/pods", pod)
    assert r.status_code == 201, r.text
    assert "p" in http.names("/api/v1/pods", fieldSelector="spec.nodeName=svctui-worker")
    assert "p" not in http.names("/api/v1/pods", fieldSelector="spec.nodeName=svctui-worker2")
    assert http.names("/api/v1/pods", fieldSelector="spec.nodeName=svctui-worker,metadata.namespace=default") == ["p"]
    phase = http.get("/api/v1/namespaces/default/pods/p").json()["status"]["phase"]
    assert http.names("/api/v1/namespaces/default/pods", fieldSelector=f"status.phase={phase}") == ["p"]
    assert http.names("/api/v1/namespaces/default/pods", fieldSelector=f"status.phase!={phase}") == []


def test_event_field_selectors(http, sim):
    create_cms(http, ("a", None))
    obj = http.get(f"{CM}/a").json()
    sim.call(lambda c: c.recorder.record(obj, "Normal", "Poked", "poked it", "tester"))
    ns = http.get("/api/v1/namespaces/default").json()
    sim.call(lambda c: c.recorder.record(ns, "Normal", "Other", "x", "tester"))
    uid = obj["metadata"]["uid"]
    sel = f"involvedObject.name=a,involvedObject.namespace=default,involvedObject.kind=ConfigMap,involvedObject.uid={uid}"
    r = http.get("/api/v1/namespaces/default/events", params={"fieldSelector": sel}).json()
    assert [e["reason"] for e in r["items"]] == ["Poked"]
    r = http.get("/api/v1/events", params={"fieldSelector": "involvedObject.kind=Namespace"}).json()
    assert "Other" in [e["reason"] for e in r["items"]] and "Poked" not in [e["reason"] for e in r["items"]]


# ---- pagination ----

def test_limit_continue_pages_share_one_resource_version(http):
    create_cms(http, *[(f"cm-{i:02d}", None) for i in range(12)])
    first = http.get(CM, params={"limit": 5}).json()
    rv = first["metadata"]["resourceVersion"]
    total = len(http.names(CM))
    assert len(first["items"]) == 5
    assert first["metadata"]["remainingItemCount"] == total - 5
    # A write between pages does not show up in later pages.
    http.post(CM, cm("zz-late"))
    names = [o["metadata"]["name"] for o in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = http.get(CM, params={"limit": 5, "continue": token}).json()
        assert page["metadata"]["resourceVersion"] == rv
        names += [o["metadata"]["name"] for o in page["items"]]
        token = page["metadata"].get("continue")
    assert len(names) == total and len(set(names)) == total and "zz-late" not in names
    assert http.get(CM, params={"limit": 500}).json()["metadata"].get("continue") in (None, "")


def test_bad_continue_tokens(http):
    create_cms(http, *[(f"cm-{i}", None) for i in range(4)])
    token = http.get(CM, params={"limit": 2}).json()["metadata"]["continue"]
    assert_status(http.get(CM, params={"limit": 2, "continue": "garbage!!"}), 400, "BadRequest")
    assert_status(http.get(CM, params={"limit": 2, "continue": token, "resourceVersion": "5"}), 400, "BadRequest")
    # A well-formed token whose snapshot is gone has expired.
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data["sid"] = "forgotten"
    stale = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    st = assert_status(http.get(CM, params={"limit": 2, "continue": stale}), 410, "Expired")
    assert "continue parameter is too old" in st["message"]


def test_resource_version_match_rules(http):
    st = assert_status(http.get(CM, params={"resourceVersionMatch": "Exact"}), 422, "Invalid")
    assert st["details"]["kind"] == "ListOptions" and st["details"]["group"] == "meta.k8s.io"
    assert_status(http.get(CM, params={"resourceVersionMatch": "Exact", "resourceVersion": "0"}), 422, "Invalid")
    assert_status(http.get(CM, params={"resourceVersion": "abc"}), 400, "BadRequest")
    rv = http.get(CM).json()["metadata"]["resourceVersion"]
    assert http.get(CM, params={"resourceVersionMatch": "NotOlderThan", "resourceVersion": rv}).status_code == 200


@pytest.mark.kubectl
def test_kubectl_chunked_list(kubectl, http):
    create_cms(http, *[(f"cm-{i:02d}", None) for i in range(7)])
    out = kubectl("get", "cm", "--chunk-size=2", "-o", "name")
    assert sorted(out.split()) == sorted(f"configmap/{n}" for n in http.names(CM))


# ---- patch ----

def test_merge_and_json_patch(http):
    create_cms(http, ("a", {"app": "x"}))
    r = http.patch(f"{CM}/a", {"metadata": {"labels": {"app": None, "new": "1"}}, "data": {"k2": "v2"}},
                   "application/merge-patch+json")
    assert r.status_code == 200, r.text
    assert r.json()["metadata"]["labels"] == {"new": "1"} and r.json()["data"] == {"k": "v", "k2": "v2"}
    ops = [{"op": "replace", "path": "/data/k", "value": "w"}, {"op": "remove", "path": "/data/k2"},
           {"op": "add", "path": "/metadata/annotations", "value": {"a/b": "c"}}]
    r = http.patch(f"{CM}/a", ops, "application/json-patch+json")
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"k": "w"} and r.json()["metadata"]["annotations"] == {"a/b": "c"}
    before = snapshot(http)
    assert http.patch(f"{CM}/a", [{"op": "test", "path": "/data/k", "value": "nope"}],
                      "application/json-patch+json").status_code == 422
    assert http.patch(f"{CM}/a", [{"op": "remove", "path": "/data/missing"}], "application/json-patch+json").status_code == 422
    assert_status(http.patch(f"{CM}/a", {"metadata": {"resourceVersion": "1"}, "data": {"k": "z"}},
                             "application/merge-patch+json"), 409, "Conflict")
    assert_status(http.patch(f"{CM}/missing", {"data": {}}, "application/merge-patch+json"), 404, "NotFound")
    assert http.patch(f"{CM}/a", {"data": {}}, "text/plain").status_code == 415
    assert snapshot(http) == before


def test_strategic_merge_patch_on_pod_containers(http):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}}
    assert http.post("/api/v1/namespaces/default/pods", pod).status_code == 201
    path = "/api/v1/namespaces/default/pods/p"
    smp = "application/strategic-merge-patch+json"
    # Containers merge by name: patching one image leaves the other container alone.
    r = http.patch(path, {"spec": {"containers": [{"name": "b", "image": "busybox:1.36"}]}}, smp)
    assert r.status_code == 200, r.text
    assert [(c["name"], c["image"]) for c in r.json()["spec"]["containers"]] == [("a", "nginx"), ("b", "busybox:1.36")]
    # A merge patch replaces the list wholesale; pod containers cannot be added or removed: 422.
    st = assert_status(http.patch(path, {"spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "x"},
                                                                 {"name": "c", "image": "y"}]}}, smp), 422, "Invalid")
    assert st["details"]["kind"] == "Pod"
    r = http.patch(path, {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}, smp)
    assert r.status_code == 422, r.text


def test_strategic_merge_delete_directive(http):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "default"},
           "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "d"}},
                    "template": {"metadata": {"labels": {"app": "d"}},
                                 "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]}}}}
    r = http.post("/apis/apps/v1/namespaces/default/deployments", dep)
    assert r.status_code == 201, r.text
    r = http.patch("/apis/apps/v1/namespaces/default/deployments/d",
                   {"spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}}},
                   "application/strategic-merge-patch+json")
    assert r.status_code == 200, r.text
    assert [c["name"] for c in r.json()["spec"]["template"]["spec"]["containers"]] == ["b"]
    assert r.json()["metadata"]["generation"] == 2


@pytest.mark.kubectl
def test_kubectl_apply_twice(kubectl, http):
    manifest = json.dumps(cm("applied", labels={"app": "x"}, data={"a": "1"}))
    assert kubectl("apply", "-f", "-", input=manifest).strip() == "configmap/applied created"
    assert kubectl("apply", "-f", "-", input=manifest).strip() == "configmap/applied unchanged"
    changed = json.dumps(cm("applied", labels={"app": "x"}, data={"a": "2"}))
    assert kubectl("apply", "-f", "-", input=changed).strip() == "configmap/applied configured"
    obj = http.get(f"{CM}/applied").json()
    assert obj["data"] == {"a": "2"}
    assert "kubectl.kubernetes.io/last-applied-configuration" in obj["metadata"]["annotations"]


@pytest.mark.kubectl
def test_kubectl_label_and_patch(kubectl, http):
    create_cms(http, ("a", None))
    assert kubectl("label", "cm", "a", "team=blue").strip() == "configmap/a labeled"
    assert kubectl("patch", "cm", "a", "--type=merge", "-p", '{"data":{"k":"patched"}}').strip() == "configmap/a patched"
    assert kubectl("patch", "cm", "a", "--type=json", "-p", '[{"op":"add","path":"/data/j","value":"1"}]').strip() == "configmap/a patched"
    obj = http.get(f"{CM}/a").json()
    assert obj["metadata"]["labels"] == {"team": "blue"} and obj["data"] == {"k": "patched", "j": "1"}
    assert kubectl("get", "cm", "-l", "team=blue", "-o", "name").strip() == "configmap/a"


# ---- field validation ----

def test_field_validation_modes(http):
    body = cm("fv")
    body["bogus"] = 1
    body["metadata"]["alsoBogus"] = "x"
    st = assert_status(http.post(CM, body, params={"fieldValidation": "Strict"}), 400, "BadRequest")
    assert st["message"].startswith('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: ')
    assert 'unknown field "bogus"' in st["message"] and 'unknown field "metadata.alsoBogus"' in st["message"]
    assert http.get(f"{CM}/fv").status_code == 404

    r = http.post(CM, body, params={"fieldValidation": "Warn"})
    assert r.status_code == 201, r.text
    warning = r.headers.get("Warning", "")
    assert warning.startswith("299 - ") and r'"unknown field \"bogus\""' in warning
    assert "bogus" not in r.json()

    body["metadata"]["name"] = "fv2"
    r = http.post(CM, body, params={"fieldValidation": "Ignore"})
    assert r.status_code == 201 and "Warning" not in r.headers
    r = http.post(CM, cm("fv3"), params={"fieldValidation": "Loud"})
    assert r.status_code == 400


@pytest.mark.kubectl
def test_kubectl_strict_validation(kubectl, http):
    body = cm("strict")
    body["data"] = {"a": "1"}
    body["spec"] = {"x": 1}
    r = kubectl.run("apply", "-f", "-", input=json.dumps(body), check=False)
    assert r.returncode == 1
    assert 'unknown field "spec"' in r.stderr
    assert http.get(f"{CM}/strict").status_code == 404
    r = kubectl.run("apply", "--validate=warn", "-f", "-", input=json.dumps(body), check=False)
    assert r.returncode == 0, r.stderr
    assert 'unknown field "spec"' in r.stderr


# ---- delete ----

def test_delete_returns_object_and_honours_preconditions(http):
    create_cms(http, ("a", None))
    obj = http.get(f"{CM}/a").json()
    st = assert_status(http.delete(f"{CM}/a", {"kind": "DeleteOptions", "apiVersion": "v1",
                                               "preconditions": {"uid": "wrong"}}), 409, "Conflict")
    assert "Precondition failed" in st["message"]
    r = http.delete(f"{CM}/a", {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background",
                                "preconditions": {"uid": obj["metadata"]["uid"]}})
    assert r.status_code == 200 and r.json()["metadata"]["uid"] == obj["metadata"]["uid"]
    assert_status(http.get(f"{CM}/a"), 404, "NotFound")
    assert_status(http.delete(f"{CM}/a"), 404, "NotFound", 'configmaps "a" not found')
    create_cms(http, ("b", None))
    assert http.delete(f"{CM}/b", params={"propagationPolicy": "Sideways"}).status_code == 422
    assert http.get(f"{CM}/b").status_code == 200


def test_graceful_pod_deletion(http):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    assert http.post("/api/v1/namespaces/default/pods", pod).status_code == 201
    r = http.delete("/api/v1/namespaces/default/pods/p", {"gracePeriodSeconds": 0})
    assert r.status_code == 200, r.text
    assert http.get("/api/v1/namespaces/default/pods/p").status_code == 404


def test_deletecollection_by_label(http):
    create_cms(http, ("a", {"app": "x"}), ("b", {"app": "x"}), ("c", {"app": "y"}))
    r = http.delete(CM, params={"labelSelector": "app=x"})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "ConfigMapList"
    assert "a" not in http.names(CM) and "b" not in http.names(CM) and "c" in http.names(CM)


@pytest.mark.kubectl
def test_kubectl_delete_by_label(kubectl, http):
    create_cms(http, ("a", {"app": "x"}), ("b", {"app": "x"}), ("c", {"app": "y"}))
    out = kubectl("delete", "cm", "-l", "app=x")
    assert sorted(out.split("\n")[:2]) == ['configmap "a" deleted', 'configmap "b" deleted']
    assert http.names(CM, labelSelector="app") == ["c"]


# ---- tables ----

def test_table_response_shape(http):
    create_cms(http, ("a", {"app": "x"}))
    t = http.get(CM, headers={"Accept": TABLE_ACCEPT}).json()
    assert t["kind"] == "Table" and t["apiVersion"] == "meta.k8s.io/v1"
    assert t["metadata"]["resourceVersion"]
    names = [c["name"] for c in t["columnDefinitions"]]
    assert names[0] == "Name" and names[-1] == "Age"
    row = next(r for r in t["rows"] if r["cells"][0] == "a")
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["namespace"] == "default" and row["object"]["metadata"]["labels"] == {"app": "x"}
    one = http.get(f"{CM}/a", headers={"Accept": TABLE_ACCEPT}).json()
    assert one["kind"] == "Table" and len(one["rows"]) == 1
    assert http.get(CM, headers={"Accept": "application/vnd.kubernetes.protobuf;as=Table"}).status_code == 406


def test_pod_table_wide_columns(http):
    t = http.get("/api/v1/pods", headers={"Accept": TABLE_ACCEPT}).json()
    cols = {c["name"]: c["priority"] for c in t["columnDefinitions"]}
    assert list(cols)[:5] == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert cols["Name"] == 0 and cols["Age"] == 0
    for wide in ("IP", "Node", "Nominated Node", "Readiness Gates"):
        assert cols[wide] == 1, wide


@pytest.mark.kubectl
def test_kubectl_get_columns(kubectl, http):
    create_cms(http, ("a", {"app": "x"}))
    lines = kubectl("get", "cm", "--show-labels").splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE", "LABELS"]
    row = next(ln.split() for ln in lines if ln.startswith("a "))
    assert row[1] == "1" and row[3] == "app=x"
    lines = kubectl("get", "ns", "-A").splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "AGE"]
    lines = kubectl("get", "cm", "-A").splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "DATA", "AGE"]
    assert any(ln.split()[:2] == ["default", "a"] for ln in lines)
    lines = kubectl("get", "nodes", "-o", "wide").splitlines()
    assert lines[0].split()[:7] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP"]
    lines = kubectl("get", "svc", "-A", "-o", "wide").splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"]
