"""The "is this debug pod's owner gone" decision on plain data: heartbeat age, a dead pid on this host,
and everything that must keep a pod alive (its own session, a live pid, another host, another pid namespace)."""

from __future__ import annotations

from svctui.model.podowner import (
    HEARTBEAT,
    OWNER_HOST,
    OWNER_PID,
    OWNER_PIDNS,
    OWNER_USER,
    SESSION,
    Here,
    Owner,
    age_text,
    iso,
    owner_annotations,
    owner_of,
    parse_time,
    verdict,
)

NOW = 1_800_000_000.0
HERE = Here(session="me", user="ann", host="laptop-a", pid=100, pidns="b00t:pid:[1]")


def alive(pid: int) -> bool:
    return pid in {100, 200}


def owner(**kw) -> Owner:
    base = dict(session="other", user="bob", host="laptop-b", pid=200, pidns="b00t:pid:[1]", heartbeat=NOW - 10,
                created=NOW - 3600)
    base.update(kw)
    return Owner(**base)


def test_fresh_heartbeat_of_another_host_is_alive():
    v = verdict(owner(), HERE, NOW, alive)
    assert (v.gone, v.why, v.heartbeat_age) == (False, "heartbeat 10s ago", 10)


def test_stale_heartbeat_is_gone_whatever_the_pid_says():
    v = verdict(owner(heartbeat=NOW - 185, host="laptop-a", pid=200), HERE, NOW, alive)
    assert (v.gone, v.why) == (True, "heartbeat 3m05s ago")
    assert verdict(owner(heartbeat=NOW - 120), HERE, NOW, alive).gone is False, "exactly stale_after is not yet"
    assert verdict(owner(heartbeat=NOW - 121), HERE, NOW, alive).gone is True
    assert verdict(owner(heartbeat=NOW - 5), HERE, NOW, alive, stale_after=2).gone is True


def test_dead_pid_on_this_host_is_gone_at_once():
    v = verdict(owner(host="laptop-a", pid=4242), HERE, NOW, alive)
    assert (v.gone, v.why) == (True, "pid 4242 is not running on this host, heartbeat 10s ago")


def test_a_pid_elsewhere_is_not_ours_to_look_up():
    assert verdict(owner(host="laptop-b", pid=4242), HERE, NOW, alive).gone is False
    # Same hostname, another container's pid namespace (or another boot): its pids mean nothing here.
    assert verdict(owner(host="laptop-a", pid=4242, pidns="b00t:pid:[2]"), HERE, NOW, alive).gone is False
    assert verdict(owner(host="laptop-a", pid=None), HERE, NOW, alive).gone is False
    assert verdict(owner(host="", pid=4242), HERE, NOW, lambda p: False).gone is False


def test_own_session_is_never_gone():
    v = verdict(owner(session="me", heartbeat=NOW - 9999, host="laptop-a", pid=4242), HERE, NOW, alive)
    assert v.gone is False


def test_no_heartbeat_falls_back_to_the_creation_time():
    assert verdict(owner(heartbeat=None, created=NOW - 60), HERE, NOW, alive).gone is False
    v = verdict(owner(heartbeat=None, created=NOW - 600), HERE, NOW, alive)
    assert (v.gone, v.why, v.heartbeat_age) == (True, "no heartbeat, created 10m00s ago", None)
    v = verdict(owner(heartbeat=None, created=None), HERE, NOW, alive)
    assert (v.gone, v.why) == (False, "no heartbeat")


def test_a_heartbeat_from_the_future_is_alive():
    assert verdict(owner(heartbeat=NOW + 300), HERE, NOW, alive).gone is False


def test_annotations_round_trip_and_garbage_is_ignored():
    ann = owner_annotations(HERE, NOW)
    assert ann == {OWNER_USER: "ann", OWNER_HOST: "laptop-a", OWNER_PID: "100", OWNER_PIDNS: "b00t:pid:[1]",
                   HEARTBEAT: iso(NOW)}
    o = owner_of({SESSION: "me"}, ann, iso(NOW - 5))
    assert o == Owner("me", "ann", "laptop-a", 100, "b00t:pid:[1]", NOW, NOW - 5)
    bad = owner_of({}, {OWNER_PID: "-1", HEARTBEAT: "yesterday"}, "2026-13-01T00:00:00Z")
    assert (bad.session, bad.pid, bad.heartbeat, bad.created) == ("", None, None, None)
    assert owner_of({}, {OWNER_PID: "99999999999"}).pid is None
    assert parse_time("2026-12-04T01:00:00") is None, "no zone: not a time we wrote"
    assert parse_time(["2026-12-04T01:00:00Z"]) is None


def test_age_text():
    assert [age_text(x) for x in (-3, 0, 59, 60, 185, 3600, 7260, 90000)] == \
        ["0s", "0s", "59s", "1m00s", "3m05s", "1h00m", "2h01m", "1d1h"]
