"""The sim's stand-in for a validating admission webhook (server.deny): kubectl shows its refusal the way
it shows a real one, `Error from server (Forbidden): admission webhook "NAME" denied the request: MSG`."""

from __future__ import annotations


def test_kubectl_sees_a_webhook_denial(sim, kubectl):
    sim.call(lambda c: c.server.deny.update({("create", "pods", "default"): ("policy.example.com", "no [/var/run]")}))
    proc = kubectl.run("run", "x", "--image=nginx", "-n", "default", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == ('Error from server (Forbidden): admission webhook "policy.example.com" denied '
                                   "the request: no [/var/run]")
    # Other verbs and namespaces are untouched, and so is a pod's exec (a subresource).
    kubectl("create", "namespace", "other")
    kubectl("run", "y", "--image=nginx", "-n", "other")
    sim.call(lambda c: c.server.deny.update({("delete", "pods", "other"): ("guard.example.com", "keep it")}))
    proc = kubectl.run("delete", "pod", "y", "-n", "other", "--wait=false", check=False)
    assert proc.returncode == 1 and 'admission webhook "guard.example.com" denied the request: keep it' in proc.stderr
