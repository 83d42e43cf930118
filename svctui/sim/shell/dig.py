"""dig (BIND 9.18, netshoot): `dig [@server] NAME [TYPE]`, `-t TYPE`, `-x ADDR`, `+short`, `+search`,
`+noall +answer`. No search list unless +search, as dig does."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime

import dns.flags
import dns.rcode
import dns.rdatatype
import dns.reversename
import dns.rrset

from ..stub_resolver import parse_resolv, query
from .context import Ctx

VERSION = "9.18.27"


def layout(fields: list[str], stops: list[int]) -> str:
    """dig's columns: each field but the last is padded with tabs to its stop, or followed by one space when
    it already reaches past it."""
    out = ""
    for text, stop in zip(fields, stops, strict=False):  # the last field has no stop
        out += text
        width = len(out.expandtabs())
        if width >= stop:
            out += " "
        else:
            while len(out.expandtabs()) < stop:
                out += "\t"
    return out + fields[-1]


def _rr_lines(rrsets: Iterable[dns.rrset.RRset]) -> list[str]:
    return [layout([rrset.name.to_text(), str(rrset.ttl), "IN", dns.rdatatype.to_text(rrset.rdtype), rd.to_text()],
                   [24, 32, 40, 48]) for rrset in rrsets for rd in rrset]


async def dig(ctx: Ctx, argv: list[str]) -> int:
    server = None
    name = None
    rdtype = None
    short = search = False
    sections = {"question": True, "answer": True, "authority": True, "additional": True, "comments": True, "stats": True, "cmd": True}
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("@"):
            server = a[1:]
        elif a == "-x" and i + 1 < len(args):
            name = dns.reversename.from_address(args[i + 1]).to_text()
            rdtype = dns.rdatatype.PTR
            i += 1
        elif a == "-t" and i + 1 < len(args):
            rdtype = dns.rdatatype.from_text(args[i + 1].upper())
            i += 1
        elif a.startswith("+"):
            opt = a[1:].lower()
            if opt == "short":
                short = True
            elif opt == "search":
                search = True
            elif opt == "noall":
                sections = {k: False for k in sections}
            elif opt.startswith("no") and opt[2:] in sections:
                sections[opt[2:]] = False
            elif opt in sections:
                sections[opt] = True
        elif name is None and a.upper() not in ("A", "AAAA", "SRV", "PTR", "TXT", "CNAME", "NS", "SOA", "MX", "ANY"):
            name = a
        elif a.upper() in ("A", "AAAA", "SRV", "PTR", "TXT", "CNAME", "NS", "SOA", "MX", "ANY", "IN"):
            if a.upper() != "IN":
                rdtype = dns.rdatatype.from_text(a.upper())
        else:
            name = a
        i += 1
    conf = parse_resolv((ctx.fs.read("/etc/resolv.conf") or b"").decode(errors="replace"))
    server = server or (conf.servers or ["127.0.0.1"])[0]
    if name is None:
        name, rdtype = ".", dns.rdatatype.NS
    rdtype = rdtype or dns.rdatatype.A
    fqdn = name if name.endswith(".") else name + "."
    candidates = [fqdn]
    if search and not name.endswith(".") and name.count(".") < conf.ndots:
        candidates = [f"{name}.{d}." for d in conf.search] + [fqdn]
    reply = None
    for cand in candidates:
        reply = query(ctx.cluster, server, cand, rdtype)
        if reply is None or reply.rcode() != dns.rcode.NXDOMAIN:
            fqdn = cand
            break
    shown = " ".join(argv[1:])
    if reply is None:
        await ctx.sleep(15)
        err = f";; communications error to {server}#53: timed out\n" * 3
        ctx.stdout.write(err + (f"\n; <<>> DiG {VERSION} <<>> {shown}\n;; global options: +cmd\n" if not short else "")
                         + ";; no servers could be reached\n" + ("\n" if not short else ""))
        return 9
    if short:
        ctx.stdout.write("".join(f"{rd.to_text()}\n" for rrset in reply.answer for rd in rrset))
        return 0
    out = []
    if sections["cmd"]:
        out += ["", f"; <<>> DiG {VERSION} <<>> {shown}", ";; global options: +cmd"]
    flags = ["qr"] + (["aa"] if reply.flags & dns.flags.AA else []) + ["rd"] + (["ra"] if reply.flags & dns.flags.RA else [])
    counts = (1, sum(len(r) for r in reply.answer), sum(len(r) for r in reply.authority),
              sum(len(r) for r in reply.additional) + 1)
    if sections["comments"]:
        out += [";; Got answer:",
                f";; ->>HEADER<<- opcode: QUERY, status: {dns.rcode.to_text(reply.rcode())}, id: {random.randint(1, 65535)}",
                f";; flags: {' '.join(flags)}; QUERY: {counts[0]}, ANSWER: {counts[1]}, AUTHORITY: {counts[2]}, ADDITIONAL: {counts[3]}"]
        if not reply.flags & dns.flags.RA:
            out.append(";; WARNING: recursion requested but not available")
        out += ["", ";; OPT PSEUDOSECTION:", "; EDNS: version: 0, flags:; udp: 1232",
                f"; COOKIE: {random.getrandbits(64):016x}{random.getrandbits(64):016x}{random.getrandbits(64):016x}"[:60] + " (good)"]
    if sections["question"]:
        out += [";; QUESTION SECTION:", layout([";" + fqdn, "IN", dns.rdatatype.to_text(rdtype)], [32, 40]), ""]
    if reply.answer and sections["answer"]:
        out += ([";; ANSWER SECTION:"] if sections["comments"] else []) + _rr_lines(reply.answer) + ([""] if sections["comments"] else [])
    if reply.authority and sections["authority"]:
        out += [";; AUTHORITY SECTION:"] + _rr_lines(reply.authority) + [""]
    if reply.additional and sections["additional"]:
        out += [";; ADDITIONAL SECTION:"] + _rr_lines(reply.additional) + [""]
    if sections["stats"]:
        when = datetime.fromtimestamp(ctx.cluster.clock.now(), UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
        out += [";; Query time: 0 msec", f";; SERVER: {server}#53({server}) (UDP)", f";; WHEN: {when}",
                f";; MSG SIZE  rcvd: {len(reply.to_wire()) + 39}", ""]
    ctx.stdout.write("\n".join(out) + "\n")
    return 0
