"""Probe evidence for the port findings: a targetPort that no container declares is only a warning
(declaring ports is optional, the process may listen anyway), but when requests to the Service are
refused too, the two together say the traffic goes to a port nothing listens on: an error.

"Refused" is read from curl's exit status 7 (could not connect: the port answered with a reset), as
the probe records it (model/httpreply.py); timeouts (28) and HTTP errors are other failures.
Pure: the probe results are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from . import diagnose as D
from .probe import ProbeResult

RECENT = 5  # the last requests considered: one refusal among successes is a restart, not a port


def is_refused(r: ProbeResult) -> bool:
    return not r.ok and r.status.startswith("curl: (7)")


def all_refused(results: Sequence[ProbeResult], recent: int = RECENT) -> list[ProbeResult]:
    """The last `recent` results when there are that many and every one was refused, else []."""
    last = list(results[-recent:])
    return last if len(last) >= recent and all(is_refused(r) for r in last) else []


def refused(f: D.Finding, how: str, evidence: D.Fact) -> D.Finding:
    """A target-port-not-exposed warning made an error by evidence that nothing listens there."""
    if f.code != D.TARGET_PORT_NOT_EXPOSED or f.severity == D.ERROR:
        return f
    first, _, rest = f.message.partition("; ")
    msg = f"{first} and connections to it are refused ({how})" + (f"; {rest}" if rest else "")
    ev = tuple(e for e in f.evidence if e.key != "note") + (evidence,)
    return replace(f, severity=D.ERROR, message=msg, evidence=ev)


def with_probe_evidence(findings: Sequence[D.Finding], results: Sequence[ProbeResult]) -> list[D.Finding]:
    """target-port-not-exposed becomes an error when the probe's recent requests were all refused."""
    last = all_refused(results)
    if not last:
        return list(findings)
    n = len(last)
    fact = D.Fact("probe", f"{n} of the last {n} requests refused: {last[-1].status}")
    return [refused(f, f"{n} of the last {n} probe requests", fact) for f in findings]
