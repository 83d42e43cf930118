"""positional(): the fast bulk constructor builds the same objects as the dataclass itself."""

from __future__ import annotations

import dataclasses

import pytest

from svctui.model.objects import Endpoint, Pod, make_endpoint, make_pod, positional
from svctui.model.topology import EndpointRow


def test_the_same_object_as_the_dataclass_builds():
    ep_values = (("10.0.0.1", "fd00::1"), True, None, False, "h", "node-1", "zone-a", "Pod", "pod-1", "uid-1", "ns")
    pod_values = ("ns", "pod-1", "uid", "7", (("app", "x"),), "node-1", "10.0.0.1", ("10.0.0.1",), "Running",
                  True, False, 3, (), None, None, "ReplicaSet", "rs", 1.0, 2.0)
    for cls, make, values in ((Endpoint, make_endpoint, ep_values), (Pod, make_pod, pod_values),
                              (EndpointRow, positional(EndpointRow), ("IPv4", "s", Endpoint(("10.0.0.2",))))):
        want, got = cls(*values), make(*values)
        assert type(got) is cls
        assert got == want and hash(got) == hash(want) and repr(got) == repr(want)
        assert tuple(getattr(got, f.name) for f in dataclasses.fields(cls)) == values
        with pytest.raises(dataclasses.FrozenInstanceError):
            got.__setattr__(dataclasses.fields(cls)[0].name, None)  # still frozen
        with pytest.raises(TypeError):
            make(*values[:-1])  # every field, no defaults
