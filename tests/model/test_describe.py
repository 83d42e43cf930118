from svctui.model.describe import lines

from .build import ep, pod, slice_, svc


def test_a_service_reads_like_yaml():
    text = lines(svc("web", selector={"app": "web", "tier": "fe"}))
    assert "name: web" in text and "namespace: default" in text
    i = text.index("selector:")
    assert text[i + 1:i + 3] == ["  app: web", "  tier: fe"]
    assert "ports:" in text
    port = text.index("ports:") + 1
    assert text[port].startswith("  - ") and any(line.strip() == "port: 80" for line in text[port:])


def test_nested_lists_and_empty_fields():
    text = lines(slice_("web-x", eps=[ep("10.0.0.1", "web-a"), ep("10.0.0.2", "web-b", ready=False)]))
    assert sum(line.startswith("  - ") for line in text[text.index("endpoints:"):]) == 2
    assert "ready: false" in [line.strip() for line in text]
    assert not any(line.endswith(": null") for line in text)  # unset fields are left out
    assert any("web-a" in line for line in lines(pod("web-a", "10.0.0.1")))


def test_uids_are_left_out():
    assert not any(line.strip().startswith(("uid:", "target_uid:")) for line in
                   lines(slice_("web-x", eps=[ep("10.0.0.1", "web-a")])) + lines(svc("web")))


def test_times_read_as_rfc3339():
    s = svc("web")
    text = lines(type(s)(**{**{f: getattr(s, f) for f in s.__dataclass_fields__}, "created": 1714565060.0}))
    assert "created: 2024-05-01T12:04:20Z" in text
