"""nslookup: busybox 1.36's applet (networking/nslookup.c, the musl-compatible one) and, in netshoot, BIND's.

busybox sends every query at once: A then AAAA, each for NAME under every search domain when NAME has no
dot (no ndots logic), and prints one block per reply: `** server can't find N: NXDOMAIN` for an error rcode
(exit status 1, even when another query succeeded), else `Non-authoritative answer:` unless AA, the records,
and a blank line. Replies are printed in query order here (a real run prints them as they arrive).
"""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
from dns.rdatatype import RdataType

from ..stub_resolver import RESOLV_TIMEOUT, parse_resolv, query
from .catalog import image_kind
from .context import Ctx

QTYPES = {"soa": dns.rdatatype.SOA, "ns": dns.rdatatype.NS, "a": dns.rdatatype.A, "aaaa": dns.rdatatype.AAAA,
          "cname": dns.rdatatype.CNAME, "mx": dns.rdatatype.MX, "txt": dns.rdatatype.TXT, "srv": dns.rdatatype.SRV,
          "ptr": dns.rdatatype.PTR, "any": dns.rdatatype.ANY}
USAGE = """BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.

Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]

Query DNS about HOST

QUERY_TYPE: soa,ns,a,aaaa,cname,mx,txt,ptr,srv,any
"""


def _ptr_name(text: str) -> str | None:
    import ipaddress

    try:
        return ipaddress.ip_address(text).reverse_pointer
    except ValueError:
        return None


def _records(reply: dns.message.Message) -> str:
    out = []
    for rrset in reply.answer:
        owner = rrset.name.to_text(omit_final_dot=True)
        for rd in rrset:
            t = rrset.rdtype
            if t in (dns.rdatatype.A, dns.rdatatype.AAAA):
                out.append(f"Name:\t{owner}\nAddress: {rd.address}\n")
            elif t == dns.rdatatype.CNAME:
                out.append(f"{owner}\tcanonical name = {rd.target.to_text(omit_final_dot=True)}\n")
            elif t == dns.rdatatype.PTR:
                out.append(f"{owner}\tname = {rd.target.to_text(omit_final_dot=True)}\n")
            elif t == dns.rdatatype.NS:
                out.append(f"{owner}\tnameserver = {rd.target.to_text(omit_final_dot=True)}\n")
            elif t == dns.rdatatype.SRV:
                out.append(f"{owner}\tservice = {rd.priority} {rd.weight} {rd.port} {rd.target.to_text(omit_final_dot=True)}\n")
            elif t == dns.rdatatype.TXT:
                out.append(f'{owner}\ttext = "{b"".join(rd.strings).decode()}"\n')
            elif t == dns.rdatatype.MX:
                out.append(f"{owner}\tmail exchanger = {rd.preference} {rd.exchange.to_text(omit_final_dot=True)}\n")
            elif t == dns.rdatatype.SOA:
                out.append(f"{owner}\n\torigin = {rd.mname.to_text(omit_final_dot=True)}\n\tmail addr = "
                           f"{rd.rname.to_text(omit_final_dot=True)}\n\tserial = {rd.serial}\n\trefresh = {rd.refresh}\n"
                           f"\tretry = {rd.retry}\n\texpire = {rd.expire}\n\tminimum = {rd.minimum}\n")
    return "".join(out)


async def nslookup(ctx: Ctx, argv: list[str]) -> int:
    types: list[RdataType] = []
    args = argv[1:]
    port = 53
    while args and args[0].startswith("-"):
        opt, _, val = args.pop(0)[1:].partition("=")
        if opt in ("type", "querytype", "q", "query"):
            if val.lower() not in QTYPES:
                ctx.stderr.write(f'nslookup: invalid query type "{val}"\n')
                return 1
            types.append(QTYPES[val.lower()])
        elif opt == "port" and val.isdigit():
            port = int(val)
        elif opt in ("debug", "retry", "t", "timeout"):
            continue
        else:
            ctx.stderr.write(USAGE)
            return 1
    if not args or len(args) > 2:
        ctx.stderr.write(USAGE)
        return 1
    if image_kind(ctx.image) == "netshoot":
        return await _bind_nslookup(ctx, args, types)
    name = args[0]
    conf = parse_resolv((ctx.fs.read("/etc/resolv.conf") or b"").decode(errors="replace"))
    servers = [args[1]] if len(args) == 2 else (conf.servers or ["127.0.0.1"])
    queries: list[tuple[str, RdataType]] = []
    ptr = _ptr_name(name)

    def with_search(t: RdataType) -> None:
        if t == dns.rdatatype.PTR or not conf.search or "." in name:
            queries.append((name, t))
        else:
            queries.extend((f"{name}.{d}", t) for d in conf.search)

    if not types:
        if ptr:
            queries.append((ptr, dns.rdatatype.PTR))
        else:
            with_search(dns.rdatatype.A)
            with_search(dns.rdatatype.AAAA)
    else:
        for t in sorted(set(types), key=lambda t: list(QTYPES.values()).index(t)):
            with_search(t)
    for server in servers:
        replies = [query(ctx.cluster, server, q, t) if port == 53 else None for q, t in queries]
        if not any(r is not None for r in replies):
            await ctx.sleep(RESOLV_TIMEOUT)
            continue
        out = [f"Server:\t\t{server}\nAddress:\t{server}:{port}\n\n"]
        status = 0
        for (qname, _), reply in zip(queries, replies, strict=True):
            if reply is None:
                continue
            rcode = reply.rcode()
            if rcode != dns.rcode.NOERROR:
                out.append(f"** server can't find {qname}: {dns.rcode.to_text(rcode)}\n")
                status = 1
            else:
                if not reply.flags & dns.flags.AA:
                    out.append("Non-authoritative answer:\n")
                out.append(_records(reply))
            out.append("\n")
        missing = [q for (q, _), r in zip(queries, replies, strict=True) if r is None]
        for q in missing:
            out.append(f"*** Can't find {q}: No answer\n")
        if missing:
            out.append("\n")
        ctx.stdout.write("".join(out))
        return status
    ctx.stdout.write(";; connection timed out; no servers could be reached\n\n")
    return 1


async def _bind_nslookup(ctx: Ctx, args: list[str], types: list[RdataType]) -> int:
    """BIND 9.18 nslookup: the search list with ndots, one answer printed for the name that resolved."""
    name = args[0]
    conf = parse_resolv((ctx.fs.read("/etc/resolv.conf") or b"").decode(errors="replace"))
    server = args[1] if len(args) == 2 else (conf.servers or ["127.0.0.1"])[0]
    ptr = _ptr_name(name)
    wanted = types or ([dns.rdatatype.PTR] if ptr else [dns.rdatatype.A, dns.rdatatype.AAAA])
    candidates = [ptr] if ptr else (
        [f"{name}.{d}" for d in conf.search] + [name] if name.count(".") < conf.ndots and not name.endswith(".") else [name])
    head = f"Server:\t\t{server}\nAddress:\t{server}#53\n\n"
    for cand in candidates:
        answered = [query(ctx.cluster, server, cand, t) for t in wanted]
        replies = [r for r in answered if r is not None]
        if len(replies) < len(answered):
            await ctx.sleep(RESOLV_TIMEOUT * 3)
            ctx.stdout.write(";; connection timed out; no servers could be reached\n\n")
            return 1
        if replies[0].rcode() == dns.rcode.NXDOMAIN and cand != candidates[-1]:
            continue
        if replies[0].rcode() != dns.rcode.NOERROR:
            ctx.stdout.write(head + f"** server can't find {name}: {dns.rcode.to_text(replies[0].rcode())}\n\n")
            return 1
        body = "".join(_records(r) for r in replies)
        na = "" if replies[0].flags & dns.flags.AA else "Non-authoritative answer:\n"
        ctx.stdout.write(head + na + body + "\n")
        return 0
    ctx.stdout.write(head + f"** server can't find {name}: NXDOMAIN\n\n")
    return 1

