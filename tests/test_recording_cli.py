"""`svctui report` and `svctui replay`'s argument handling on recordings, without a cluster: every
format on the committed v1 fixture, hostile names rendered literally, bad input as one-line errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from svctui import cli
from svctui.commands import replay as replay_cmd
from svctui.commands import report as report_cmd
from svctui.model import recording as fmt
from svctui.model.objects import Endpoint, EndpointSlice, Service
from svctui.model.store import ENDPOINTSLICE, SERVICE

FIXTURE = Path(__file__).resolve().parent / "data" / "nginx-deletion-v1.svcrec"
# No white space: no Service name has any, and svc/NAME on the command line is refused with one.
HOSTILE = "web[bold]\x1b[31mx\x07<b>&"


def _run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_report_for_scripts(capsys):
    code, out, _ = _run(capsys, ["report", str(FIXTURE), "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "svctui-report" and doc["clean_end"] and not doc["torn"]
    by_name = {(s["namespace"], s["name"]): s for s in doc["services"]}
    [d] = by_name[("default", "nginx-service")]["degradations"]
    assert d["outcome"] == "recovered" and d["duration"] == pytest.approx(0.086, abs=0.001)
    assert d["removed"] == ["10.244.1.4", "10.244.2.4", "10.244.2.5"] and len(d["added"]) == 3
    p = d["phases"]
    assert d["started"] <= p["first_removed"] <= p["first_replacement"] <= p["replacement_ready"] <= d["ended"]
    series = by_name[("default", "nginx-service")]["ready_series"]
    assert [s["ready"] for s in series][0] == 3 and min(s["ready"] for s in series) == 0 and series[-1]["ready"] == 3


def test_markdown_and_svg(capsys):
    code, md, _ = _run(capsys, ["report", str(FIXTURE), "svc/nginx-service", "--format", "markdown"])
    assert code == 0
    assert "## Service default/nginx\\-service" in md and "### Degradation 1" in md and "recovered in 0.1s" in md
    code, svg, _ = _run(capsys, ["report", str(FIXTURE), "--format", "svg"])
    assert code == 0
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}polyline")) == 2  # nginx-service and nginx-nodeport were degraded
    assert len(root.findall(f"{ns}rect[@class='degraded']")) == 2
    assert "default/nginx-service" in [t.text for t in root.iter(f"{ns}text")]


def test_a_service_is_found_by_name_in_any_namespace(tmp_path, capsys):
    """A recording made with R on all namespaces names no Service: svc/NAME is looked up everywhere."""
    code, out, _ = _run(capsys, ["report", str(FIXTURE), "svc/nginx-nodeport"])
    assert code == 0 and "Service default/nginx-nodeport" in out and "nginx-service" not in out
    code, out, _ = _run(capsys, ["report", str(_hostile_recording(tmp_path)), f"svc/{HOSTILE}"])
    assert code == 0 and "recovered in 2.0s" in out


def test_the_service_is_named_as_everywhere_else(capsys):
    """NAME and NAME.NAMESPACE as well as svc/NAME (model/target.py: the live view's, doctor's and probe's)."""
    _, by_kind, _ = _run(capsys, ["report", str(FIXTURE), "svc/nginx-service"])
    for named in ("nginx-service", "nginx-service.default", "service/nginx-service.default"):
        code, out, err = _run(capsys, ["report", str(FIXTURE), named])
        assert code == 0 and out == by_kind, (named, err)


def test_a_scale_down_reads_as_the_ledger_says_it(tmp_path, capsys):
    """3 endpoints, one gone for good: the Service settled at 2, in the live view's words (churnwords.py)."""
    enc = fmt.FrameEncoder()
    enc.add(fmt.header_record(100.0, {"namespace": None, "context": "c"}))
    eps = tuple(Endpoint((f"10.0.0.{i}",), True) for i in (1, 2, 3))

    def sl(rv: str, e: tuple[Endpoint, ...]) -> EndpointSlice:
        return EndpointSlice("default", "sl", uid="e", resource_version=rv, service_name="web", endpoints=e)

    enc.add(fmt.list_record(100.0, SERVICE, None, [Service("default", "web", uid="s", resource_version="1",
                                                            selector=(("app", "x"),))]))
    enc.add(fmt.list_record(100.0, ENDPOINTSLICE, None, [sl("1", eps)]))
    enc.add(fmt.events_record(101.0, ENDPOINTSLICE, [("MODIFIED", sl("2", eps[:2]))]))
    enc.add(fmt.events_record(120.0, ENDPOINTSLICE, [("MODIFIED", sl("3", eps[:2]))]))
    path = tmp_path / "scaled.svcrec"
    path.write_bytes(fmt.MAGIC + enc.frame())
    code, out, _ = _run(capsys, ["report", str(path), "web"])
    assert code == 0 and "Degradation 1: " in out
    assert "rescaled to 2 after 5.0s, down to 2/2 ready" in out


def test_the_text_sparkline_shows_the_dip(capsys):
    code, out, _ = _run(capsys, ["report", str(FIXTURE), "svc/nginx-service"])
    assert code == 0
    spark = next(line for line in out.splitlines() if "ready endpoints:" in line).split(": ", 1)[1]
    assert len(spark) == report_cmd.SPARK_WIDTH
    assert spark[0] == "█" and "▁" in spark and spark[-1] == "█"


def _hostile_recording(tmp_path: Path) -> Path:
    enc = fmt.FrameEncoder()
    enc.add(fmt.header_record(100.0, {"namespace": None, "context": HOSTILE}))
    svc = Service("default", HOSTILE, uid="s", resource_version="1", selector=(("app", "x"),))
    eps = (Endpoint(("10.0.0.1",), True), Endpoint(("10.0.0.2",), True))
    sl = EndpointSlice("default", "sl", uid="e", resource_version="1", service_name=HOSTILE, endpoints=eps)
    enc.add(fmt.list_record(100.0, SERVICE, None, [svc]))
    enc.add(fmt.list_record(100.0, ENDPOINTSLICE, None, [sl]))
    gone = EndpointSlice("default", "sl", uid="e", resource_version="2", service_name=HOSTILE, endpoints=eps[:1])
    enc.add(fmt.events_record(101.0, ENDPOINTSLICE, [("MODIFIED", gone)]))
    back = EndpointSlice("default", "sl", uid="e", resource_version="3", service_name=HOSTILE,
                         endpoints=(eps[0], Endpoint(("10.0.0.2",), True)))
    enc.add(fmt.events_record(103.0, ENDPOINTSLICE, [("MODIFIED", back)]))
    path = tmp_path / "hostile.svcrec"
    path.write_bytes(fmt.MAGIC + enc.frame())
    return path


def test_hostile_names_are_literal_in_every_format(tmp_path, capsys):
    path = _hostile_recording(tmp_path)
    code, text, _ = _run(capsys, ["report", str(path)])
    assert code == 0
    assert "\x1b" not in text and "\x07" not in text
    assert "web[bold]" in text  # literal, not markup
    assert "recovered in 2.0s" in text and "flapped (1): 10.0.0.2" in text  # gone and back: a flap
    code, svg, _ = _run(capsys, ["report", str(path), "--format", "svg"])
    assert code == 0
    ET.fromstring(svg)  # well-formed: < and & escaped
    assert "<b>" not in svg and "\x1b" not in svg
    code, out, _ = _run(capsys, ["report", str(path), "--format", "json"])
    assert json.loads(out)["services"][0]["name"] == HOSTILE  # JSON keeps the exact name (escaped by JSON)


def test_bad_input_is_a_one_line_error(tmp_path, capsys):
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a recording")
    cases = [
        (["report", str(tmp_path / "missing")], "No such file"),
        (["report", str(junk)], "not an svctui recording"),
        (["report", str(FIXTURE), "svc/nope"], "no Service nope in"),
        (["report", str(FIXTURE), "svc/nginx-service", "-n", "demo"], "no Service demo/nginx-service"),
        (["report", str(FIXTURE), "pod/x"], "expected svc/NAME"),
        (["report", str(FIXTURE), "nginx-service.demo"], "no Service demo/nginx-service"),
        (["report", str(FIXTURE), "nginx-service.default", "-n", "demo"], "-n says demo"),
        (["record", "-o", str(tmp_path / "new"), "web.demo", "-n", "prod"], "-n says prod"),
        (["record", "-o", str(tmp_path / "new"), "--probe", "deploy/web"], "only Services can be named here"),
        (["replay", str(junk)], "not an svctui recording"),
        (["replay", str(FIXTURE), "--from", "99:00"], "past the recording's end"),
        (["record", "-o", str(FIXTURE)], "already exists"),
    ]
    for argv, msg in cases:
        code, _, err = _run(capsys, argv)
        assert code == 2, argv
        assert msg in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_replay_arguments(capsys):
    seen = {}

    def run(rec, args):
        seen["rec"], seen["args"] = rec, args
        return 0
    assert replay_cmd.main([str(FIXTURE), "--speed", "4", "--from", "0:02"], run) == 0
    assert seen["args"].speed == 4.0 and seen["args"].start == 2.0
    assert len(seen["rec"].records) > 10
    assert replay_cmd.main([str(FIXTURE), "--speed", "0"], run) == 2
    assert "between" in capsys.readouterr().err
