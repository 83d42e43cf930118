"""The DNS verdict on plain data: the walk is described by the few attributes the verdict reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from svctui.model.dnsverdict import elsewhere_hint, verdict


@dataclass(frozen=True)
class Rec:
    value: str


@dataclass(frozen=True)
class Step:
    name: str
    rcode: str


@dataclass(frozen=True)
class Walk:
    name: str
    namespace: str
    steps: list[Step]
    chain: list[Step] = field(default_factory=list)
    final_records: list[Rec] = field(default_factory=list)
    answer: Step | None = None

    @property
    def resolved(self) -> bool:
        return bool(self.final_records)


def test_a_resolved_name_lists_its_addresses() -> None:
    walk = Walk("db", "demo", [Step("db.demo.svc.cluster.local", "NOERROR")],
                final_records=[Rec("10.96.0.7"), Rec("fd00::7")], answer=Step("db.demo.svc.cluster.local", "NOERROR"))
    assert verdict(walk) == "RESOLVES: db from namespace demo -> 10.96.0.7, fd00::7"


def test_nxdomain_everywhere_is_said_once() -> None:
    walk = Walk("db", "default", [Step("db.default.svc.cluster.local", "NXDOMAIN"), Step("db", "NXDOMAIN")])
    assert verdict(walk) == "DOES NOT RESOLVE: db from namespace default: NXDOMAIN for every name in the search path"


def test_mixed_codes_are_listed_sorted_and_unique() -> None:
    walk = Walk("db", "default", [Step("a", "SERVFAIL"), Step("b", "NXDOMAIN"), Step("c", "SERVFAIL")])
    assert verdict(walk) == "DOES NOT RESOLVE: db from namespace default: NXDOMAIN, SERVFAIL"


def test_a_cname_to_nowhere_names_the_target() -> None:
    alias = Step("external-db.default.svc.cluster.local", "NOERROR")
    walk = Walk("external-db", "default", [alias], chain=[Step("db.example.invalid", "NXDOMAIN")], answer=alias)
    assert verdict(walk) == ("DOES NOT RESOLVE: external-db from namespace default is an alias (CNAME) for "
                             "db.example.invalid, which answers NXDOMAIN")


def test_names_from_the_cluster_are_shown_plain() -> None:
    walk = Walk("db\x1b[31m", "ns\n", [Step("x", "NXDOMAIN")], final_records=[Rec("10.0.0.1\x07")])
    assert verdict(walk) == "RESOLVES: db from namespace ns  -> 10.0.0.1"


def test_the_hint_names_the_other_namespaces_and_the_names_to_use() -> None:
    assert elsewhere_hint("db", ["demo", "default", "prod"], "default") == \
        "hint: a Service named db exists in namespace demo, prod: try db.demo, db.prod"
    assert elsewhere_hint("db", ["default"], "default") is None and elsewhere_hint("db", [], "default") is None
    assert elsewhere_hint("db", ["x\x1b[2Jy"], "default") == "hint: a Service named db exists in namespace xy: try db.xy"
