"""The continuous probe's log (timeline transitions) and the stopwatch's "first successful request"."""

from svctui.model.probe import FAILING, OK, STARTED, STOPPED, ProbeLog, ProbeResult

from .build import ep
from .test_churn import WEB, B, C, put_slice, started


def res(t, ok, status="200 OK", backend=""):
    return ProbeResult(t, WEB, ok, status if ok else "curl: (7) Failed to connect", backend, 0.01)


def test_probe_log_keeps_transitions_only():
    log = ProbeLog()
    assert log.start(WEB, 0.0, "curl http://web").change == STARTED
    first = log.record(res(0.0, True, backend="web-a"))
    assert first.change == OK and first.text == "✓ request ok: 200 OK (web-a)"
    assert log.record(res(0.5, True)) is None
    failing = log.record(res(1.0, False))
    assert failing.change == FAILING and failing.text == "✗ request failed: curl: (7) Failed to connect"
    assert log.record(res(1.5, False)) is None and log.record(res(2.0, False)) is None
    back = log.record(res(2.8, True, backend="web-d"))
    assert back.text == "✓ requests ok again: 200 OK (web-d) after 1.8s of failures (3 failed)"
    assert log.counts(WEB) == (6, 3)
    assert log.stop(WEB, 3.0).text == "probe stopped: 6 sent, 3 failed"
    assert [e.change for e in log.entries(WEB)] == [STARTED, OK, FAILING, OK, STOPPED]
    assert len(log.results(WEB)) == 6
    assert log.record(res(4.0, True)) is None  # not probing: kept, no line
    assert not log.active(WEB) and log.stop(WEB, 5.0) is None


def test_stopwatch_first_successful_request_after_the_drop():
    m = started()
    b, c = ep(B, "web-b"), ep(C, "web-c")
    assert not m.ledger.note_request(WEB, 5.0, True)  # no episode: nothing to time
    put_slice(m, 10.0, [b, c], "2")  # web-a gone: degraded
    assert m.ledger.note_request(WEB, 10.2, False)
    assert m.ledger.status(WEB, 10.5) == "degraded 0.5s (2/3 ready), requests still failing"
    assert m.ledger.note_request(WEB, 10.7, True)
    assert not m.ledger.note_request(WEB, 11.0, True)  # only the first counts
    assert m.ledger.status(WEB, 11.0) == "degraded 1.0s (2/3 ready), first request ok after 0.7s"
    put_slice(m, 14.0, [b, c, ep("10.0.0.9", "web-e")], "3")
    rec = m.ledger.stopwatch(WEB).last
    assert (rec.first_success, rec.probed) == (10.7, True)
    assert m.ledger.status(WEB, 15.0) == "recovered in 4.0s (3/3 ready), first request ok after 0.7s"


def test_requests_recovering_after_the_endpoints():
    m = started()
    b, c = ep(B, "web-b"), ep(C, "web-c")
    put_slice(m, 10.0, [b, c], "2")
    m.ledger.note_request(WEB, 10.5, False)
    put_slice(m, 12.0, [b, c, ep("10.0.0.9", "web-e")], "3")
    assert m.ledger.status(WEB, 12.0) == "recovered in 2.0s (3/3 ready), requests still failing"
    assert m.ledger.note_request(WEB, 12.5, True)
    assert m.ledger.status(WEB, 13.0) == "recovered in 2.0s (3/3 ready), first request ok after 2.5s"
    assert not m.ledger.note_request(WEB, 13.0, True)


def test_without_a_probe_the_text_is_unchanged():
    m = started()
    put_slice(m, 10.0, [ep(B, "web-b"), ep(C, "web-c")], "2")
    put_slice(m, 11.0, [ep(B, "web-b"), ep(C, "web-c"), ep("10.0.0.9", "web-e")], "3")
    assert m.ledger.status(WEB, 12.0) == "recovered in 1.0s (3/3 ready)"
    assert not m.ledger.note_request(WEB, 12.0, True)
