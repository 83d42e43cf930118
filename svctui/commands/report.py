"""`svctui report FILE [svc/NAME] [--format text|markdown|json|svg]`: each Service's degradations in a
recording (svctui/model/degradation.py): when, the phases, how long, which endpoints came, went, were
reused or flapped, and the ready endpoints over time (a sparkline in text and markdown, a chart in SVG).

Text from the cluster is printed literally (control characters stripped); markdown escapes what
markdown would read as markup. Exit codes: 0 a report, 2 usage error or an unreadable recording.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from ..model import recording as fmt
from ..model.churnwords import RECOVERED, RESCALED, recovery_words
from ..model.degradation import ONGOING, Degradation, Report, ServiceReport, analyse
from ..model.sanitize import plain
from ..model.target import parse_service_target

PROG = "svctui report"
FORMATS = ("text", "markdown", "json", "svg")
SPARK = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 60


def report_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Degradations of each Service in a recording: phases, "
                                "duration, endpoints added/removed/reused, ready endpoints over time.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("target", nargs="?", metavar="svc/NAME", help="only this Service (svc/NAME, NAME or NAME.NAMESPACE)")
    p.add_argument("-n", "--namespace", help="namespace of svc/NAME (default: the recording's)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--all", action="store_true", help="also Services that were never degraded")
    return p


def load(path: str) -> fmt.Recording:
    """The recording, or RecordingError/OSError with a one-line reason."""
    import orjson

    with open(path, "rb") as f:
        return fmt.loads(f.read(), orjson.loads)


def main(argv: Sequence[str]) -> int:
    parser = report_parser()
    try:
        args = parser.parse_args(list(argv))
        named = parse_service_target(args.target) if args.target is not None else None
        flag = named.resolve_namespace(args.namespace) if named is not None else args.namespace
    except SystemExit as exc:
        return int(exc.code or 0)
    except ValueError as exc:
        print(f"{PROG}: error: {plain(exc)}", file=sys.stderr)
        return 2
    try:
        rec = load(args.file)
    except (OSError, fmt.RecordingError) as exc:
        print(f"{PROG}: error: {plain(args.file)}: {plain(getattr(exc, 'strerror', None) or exc)}", file=sys.stderr)
        return 2
    if rec.skipped:
        print(f"{PROG}: note: {rec.skipped} unreadable record(s) left out", file=sys.stderr)
    report = analyse(rec)
    name = named.name if named is not None else None
    if name is not None:
        scope = rec.header.get("scope") or {}
        ns = flag or (scope.get("service_namespace") if scope.get("service") == name else None)
        found = sorted(k for k in report.services if k[1] == name and (ns is None or k[0] == ns))
        if not found:
            where = f"{plain(ns)}/" if ns else ""
            print(f"{PROG}: error: no Service {where}{plain(name)} in {plain(args.file)}", file=sys.stderr)
            return 2
        if len(found) > 1:
            spaces = ", ".join(plain(k[0]) for k in found)
            print(f"{PROG}: error: svc/{plain(name)} is in several namespaces ({spaces}): add -n NS", file=sys.stderr)
            return 2
        report.services = {found[0]: report.services[found[0]]}
    out = render(report, args.format, args.all or name is not None)
    sys.stdout.write(out)
    return 0


def render(report: Report, form: str, every: bool = False) -> str:
    shown = [r for _, r in sorted(report.services.items()) if every or r.degradations]
    if form == "json":
        return json.dumps(as_json(report, shown), indent=2, ensure_ascii=False) + "\n"
    if form == "svg":
        from .report_svg import svg

        return svg(report, shown)
    md = form == "markdown"
    lines: list[str] = []
    head = f"Recording {_when(report.start)} → {_when(report.end)} ({report.end - report.start:.1f}s)"
    if report.torn:
        head += ", last frame torn (writer stopped mid-write; dropped)"
    elif not report.ended:
        head += ", no clean end (writer killed?)"
    lines.append(f"# {head}" if md else head)
    if not shown:
        lines.append("")
        lines.append("no Service was degraded")
    for r in shown:
        lines.append("")
        title = f"{plain(r.service[0])}/{plain(r.service[1])}"
        lines.append(f"## Service {_md(title)}" if md else f"Service {title}")
        spark = sparkline(r, report.start, report.end)
        if spark:
            lines.append(f"ready endpoints: `{spark}`" if md else f"  ready endpoints: {spark}")
        if not r.degradations:
            lines.append("- not degraded" if md else "  not degraded")
        for i, d in enumerate(r.degradations, 1):
            lines.extend(_degradation(i, d, report.end, md))
    return "\n".join(lines) + "\n"


def _degradation(i: int, d: Degradation, end: float, md: bool) -> list[str]:
    p = "- " if md else "    "
    dur = d.duration(end)
    if d.outcome in (RECOVERED, RESCALED):
        outcome = f"{recovery_words(d.outcome, d.steady)} {dur:.1f}s"
    elif d.outcome == ONGOING:
        outcome = f"still degraded at the end ({dur:.1f}s so far)"
    else:
        outcome = d.outcome
    out = [("### " if md else "  ") + f"Degradation {i}: {_when(d.started)}, {outcome}, "
           f"down to {d.min_ready}/{d.steady} ready"]
    for label, t in phases(d):
        out.append(f"{p}{label}: " + (f"+{t - d.started:.1f}s ({_when(t)})" if t is not None else "not seen"))
    if d.probed and d.first_success is None:
        out.append(f"{p}requests: still failing")
    for label, ips in (("endpoints removed", d.removed), ("endpoints added", d.added), ("flapped", d.flapped)):
        out.append(f"{p}{label} ({len(ips)}): {', '.join(plain(a) for a in ips) or '-'}")
    reused = ", ".join(f"{plain(a)} (was {plain(b)})" for a, b in d.reused)
    out.append(f"{p}IPs reused ({len(d.reused)}): {_md(reused) if md else reused or '-'}")
    return out


def phases(d: Degradation) -> list[tuple[str, float | None]]:
    out: list[tuple[str, float | None]] = [
        ("first endpoint gone", d.first_removed if d.first_removed is not None else d.started),
        ("first replacement seen", d.first_replacement),
        ("replacement ready", d.replacement_ready),
    ]
    if d.probed:
        out.append(("first OK request", d.first_success))
    return out


def sparkline(r: ServiceReport, start: float, end: float, width: int = SPARK_WIDTH) -> str:
    """Ready endpoints over the recording, each column the lowest count in its slice of time (a dip
    shorter than a column still shows)."""
    if not r.series:
        return ""
    span = max(end - start, 1e-9)
    top = max(max(p[1] for p in r.series), 1)
    cols: list[int | None] = [None] * width
    idx = 0
    value: int | None = None
    for c in range(width):
        lo, hi = start + span * c / width, start + span * (c + 1) / width
        low = value
        while idx < len(r.series) and r.series[idx][0] < hi:
            value = r.series[idx][1]
            low = value if low is None or r.series[idx][0] < lo else min(low, value)
            idx += 1
        cols[c] = low if low is not None else value
    return "".join(" " if v is None else SPARK[min(len(SPARK) - 1, v * (len(SPARK) - 1) // top)] for v in cols)


def as_json(report: Report, shown: list[ServiceReport]) -> dict[str, Any]:
    return {
        "format": "svctui-report", "version": 1,
        "start": report.start, "end": report.end, "torn": report.torn, "clean_end": report.ended,
        "services": [{
            "namespace": r.service[0], "name": r.service[1],
            "ready_series": [{"t": t, "ready": ready, "endpoints": total} for t, ready, total in r.series],
            "degradations": [{
                "started": d.started, "ended": d.ended, "outcome": d.outcome,
                "duration": round(d.duration(report.end), 3), "steady": d.steady, "min_ready": d.min_ready,
                "phases": {"first_removed": d.first_removed, "first_replacement": d.first_replacement,
                           "replacement_ready": d.replacement_ready, "first_success": d.first_success},
                "probed": d.probed, "added": list(d.added), "removed": list(d.removed),
                "reused": [{"ip": a, "from": b} for a, b in d.reused], "flapped": list(d.flapped),
            } for d in r.degradations],
        } for r in shown],
    }


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) + f".{int((t % 1) * 1000):03d}"


def _md(text: str) -> str:
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|~" else c for c in text)
