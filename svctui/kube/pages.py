"""List pages decoded into only the fields svctui reads.

A page of 500 pods is ~1.5 MB of JSON, most of it fields svctui never looks at (managedFields,
annotations, container specs, statuses). orjson builds all of it as Python objects first; here
msgspec decodes the page against typed dicts naming just the fields convert.py reads, skipping the
rest without building it. The result is the same plain dicts convert.py takes, minus the unread
keys, so there is one converter and one set of rules.

The types are never looser than convert.py's checks (often stricter: a label that is not a string,
a port that is a boolean): a page that does not fit is decoded again with orjson and goes through
convert.py as before, where a bad object is skipped and reported on its own. So a well-formed page
takes the fast path and a malformed one costs only speed. `decode_list(kind, body)` returns what
`orjson.loads(body)` would, for every field convert.py and the list loop read.
"""

from __future__ import annotations

from typing import Any, TypedDict

import msgspec
import orjson

from svctui.model.store import ENDPOINTSLICE, POD, SERVICE

Str = str | None


class _Owner(TypedDict, total=False):
    kind: Str
    name: Str
    controller: bool | None


class _Meta(TypedDict, total=False):
    name: str
    namespace: str
    uid: Str
    resourceVersion: Str
    labels: dict[str, str] | None
    creationTimestamp: Str
    deletionTimestamp: Str
    ownerReferences: list[_Owner] | None


# ---- Service ----

class _ServicePort(TypedDict, total=False):
    name: Str
    port: int | None
    targetPort: int | str | None
    protocol: Str
    nodePort: int | None
    appProtocol: Str


class _ServiceSpec(TypedDict, total=False):
    type: Str
    clusterIP: Str
    clusterIPs: list[str] | None
    externalName: Str
    externalIPs: list[str] | None
    ports: list[_ServicePort] | None
    selector: dict[str, str] | None
    publishNotReadyAddresses: bool | None
    sessionAffinity: Str
    internalTrafficPolicy: Str
    externalTrafficPolicy: Str
    ipFamilies: list[str] | None


class _Ingress(TypedDict, total=False):
    ip: Str
    hostname: Str


class _LoadBalancer(TypedDict, total=False):
    ingress: list[_Ingress] | None


class _ServiceStatus(TypedDict, total=False):
    loadBalancer: _LoadBalancer | None


class _Service(TypedDict, total=False):
    metadata: _Meta
    spec: _ServiceSpec | None
    status: _ServiceStatus | None


# ---- EndpointSlice ----

class _Ref(TypedDict, total=False):
    kind: Str
    name: Str
    uid: Str
    namespace: Str


class _Conditions(TypedDict, total=False):
    ready: bool | None
    serving: bool | None
    terminating: bool | None


class _Endpoint(TypedDict, total=False):
    addresses: list[str] | None
    conditions: _Conditions | None
    targetRef: _Ref | None
    hostname: Str
    nodeName: Str
    zone: Str


class _EndpointPort(TypedDict, total=False):
    name: Str
    port: int | None
    protocol: Str
    appProtocol: Str


class _Slice(TypedDict, total=False):
    metadata: _Meta
    addressType: Str
    ports: list[_EndpointPort] | None
    endpoints: list[_Endpoint] | None


# ---- Pod ----

class _ContainerPort(TypedDict, total=False):
    name: Str
    containerPort: int | None
    protocol: Str


class _Container(TypedDict, total=False):
    ports: list[_ContainerPort] | None


class _PodSpec(TypedDict, total=False):
    nodeName: Str
    hostname: Str
    subdomain: Str
    containers: list[_Container] | None


class _PodCondition(TypedDict, total=False):
    type: Str
    status: Str


class _ContainerStatus(TypedDict, total=False):
    restartCount: int | None


class _PodIP(TypedDict, total=False):
    ip: Str


class _PodStatus(TypedDict, total=False):
    phase: Str
    podIP: Str
    podIPs: list[_PodIP] | None
    conditions: list[_PodCondition] | None
    containerStatuses: list[_ContainerStatus] | None
    startTime: Str


class _Pod(TypedDict, total=False):
    metadata: _Meta
    spec: _PodSpec | None
    status: _PodStatus | None


# ---- the page ----

_ListMeta = TypedDict("_ListMeta", {"resourceVersion": Str, "continue": Str}, total=False)


class _ServiceList(TypedDict, total=False):
    metadata: _ListMeta | None
    items: list[_Service] | None


class _SliceList(TypedDict, total=False):
    metadata: _ListMeta | None
    items: list[_Slice] | None


class _PodList(TypedDict, total=False):
    metadata: _ListMeta | None
    items: list[_Pod] | None


_DECODERS = {SERVICE: msgspec.json.Decoder(_ServiceList), ENDPOINTSLICE: msgspec.json.Decoder(_SliceList),
             POD: msgspec.json.Decoder(_PodList)}


class _ListHead(msgspec.Struct):
    metadata: dict[str, Any] | None = None


_HEAD = msgspec.json.Decoder(_ListHead)


def continue_token(body: bytes) -> str | None:
    """A page's metadata.continue, read without decoding its items, so the next page can be asked
    for while this one is decoded. The API writes the list's metadata before its items: the head up
    to "items" is decoded on its own (microseconds); otherwise the whole body is scanned, items
    skipped (~2 ms a page of 500 pods). A guess only: the caller checks it against the full decode.
    None if absent or unreadable."""
    md = None
    i = body.find(b'"items"', 0, 8192)
    head = body[:i].rstrip() if i > 0 else b""
    try:
        if head.endswith(b","):
            md = _HEAD.decode(head[:-1] + b"}").metadata
        else:
            md = _HEAD.decode(body).metadata
    except msgspec.DecodeError:
        return None
    cont = md.get("continue") if type(md) is dict else None
    return cont if type(cont) is str and cont else None


def decode_list(kind: str, body: bytes) -> Any:
    """A list page as dicts: only the fields read, when it fits their types; else all of it."""
    decoder = _DECODERS.get(kind)
    if decoder is not None:
        try:
            return decoder.decode(body)
        except msgspec.DecodeError:  # a type that does not fit (ValidationError), or not JSON at all
            pass
    return orjson.loads(body)
