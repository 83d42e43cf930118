"""The report as an SVG: per Service, ready endpoints over time as a step line, each degradation
shaded and labelled with its duration. Names are XML-escaped (they come from the cluster)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from ..model.degradation import Report, ServiceReport
from ..model.sanitize import plain

WIDTH = 800
ROW = 140  # height of one Service's chart
PAD = 40


def svg(report: Report, shown: list[ServiceReport]) -> str:
    height = PAD + max(1, len(shown)) * ROW
    span = max(report.end - report.start, 1e-9)
    plot_w = WIDTH - 2 * PAD

    def x(t: float) -> float:
        return PAD + (t - report.start) / span * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
             f'<text x="{PAD}" y="20" font-size="14">{escape(f"ready endpoints over {span:.1f}s")}</text>']
    for i, r in enumerate(shown):
        top = PAD + i * ROW
        base = top + ROW - 30
        peak = max([p[1] for p in r.series] + [d.steady for d in r.degradations] + [1])

        def y(v: int, base: float = base, peak: int = peak) -> float:
            return base - v / peak * (ROW - 50)

        name = f"{plain(r.service[0])}/{plain(r.service[1])}"
        parts.append(f'<text x="{PAD}" y="{top + 12}" font-weight="bold">{escape(name)}</text>')
        for d in r.degradations:
            x0, x1 = x(d.started), x(d.ended if d.ended is not None else report.end)
            parts.append(f'<rect class="degraded" x="{x0:.1f}" y="{top + 18}" width="{max(x1 - x0, 1):.1f}" '
                         f'height="{base - top - 18:.1f}" fill="#f8d0d0"/>')
            parts.append(f'<text x="{x0:.1f}" y="{base + 14}" fill="#a00">{escape(f"{d.duration(report.end):.1f}s")}</text>')
        parts.append(f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#888"/>')
        parts.append(f'<text x="{PAD - 6}" y="{y(peak) + 4:.1f}" text-anchor="end">{peak}</text>')
        parts.append(f'<text x="{PAD - 6}" y="{base + 4}" text-anchor="end">0</text>')
        if r.series:
            pts: list[str] = []
            prev: int | None = None
            for t, ready, _ in r.series:
                if prev is not None:
                    pts.append(f"{x(t):.1f},{y(prev):.1f}")
                pts.append(f"{x(t):.1f},{y(ready):.1f}")
                prev = ready
            pts.append(f"{x(report.end):.1f},{y(prev or 0):.1f}")
            parts.append(f'<polyline class="ready" fill="none" stroke="#06c" stroke-width="2" points="{" ".join(pts)}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
