"""The one-line verdict on a DNS search-path walk ("RESOLVES: …" / "DOES NOT RESOLVE: …").

Pure logic shared by `svctui dns` and the dns pane, so both say the same thing. The walk itself is made in
svctui.kube.dns; the model may not import that layer, so the walk is described here by the attributes
the verdict reads (svctui.kube.dns.Walk has them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .sanitize import plain


class _Record(Protocol):
    @property
    def value(self) -> str: ...


class _Step(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def rcode(self) -> str: ...


class DnsWalk(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def namespace(self) -> str: ...

    @property
    def resolved(self) -> bool: ...

    @property
    def final_records(self) -> Sequence[_Record]: ...

    @property
    def answer(self) -> _Step | None: ...

    @property
    def steps(self) -> Sequence[_Step]: ...

    @property
    def chain(self) -> Sequence[_Step]: ...


def verdict(walk: DnsWalk) -> str:
    who = f"{plain(walk.name)} from namespace {plain(walk.namespace)}"
    if walk.resolved:
        values = ", ".join(plain(r.value) for r in walk.final_records)
        return f"RESOLVES: {who} -> {values}"
    answer = walk.answer
    if answer is not None and walk.chain:
        last = walk.chain[-1]
        return f"DOES NOT RESOLVE: {who} is an alias (CNAME) for {plain(last.name)}, which answers {last.rcode}"
    codes = sorted({s.rcode for s in walk.steps})
    if codes == ["NXDOMAIN"]:
        return f"DOES NOT RESOLVE: {who}: NXDOMAIN for every name in the search path"
    return f"DOES NOT RESOLVE: {who}: {', '.join(codes)}"


def elsewhere_hint(short: str, namespaces: Iterable[str], source: str) -> str | None:
    """The usual cause of a short name that does not resolve (`db` asked from the wrong namespace): the
    namespaces other than `source` that have a Service of that name, and the names to use instead."""
    others = sorted(set(namespaces) - {source})
    if not others:
        return None
    names = ", ".join(f"{plain(short)}.{plain(ns)}" for ns in others)
    return f"hint: a Service named {plain(short)} exists in namespace {', '.join(plain(n) for n in others)}: try {names}"
