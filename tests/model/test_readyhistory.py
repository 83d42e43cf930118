from svctui.model.readyhistory import ReadyHistory, sparkline

WEB = ("default", "web")


def test_a_dip_and_recovery_resampled():
    h = ReadyHistory()
    for t, ready in ((0.0, 3), (10.0, 3), (20.0, 0), (21.0, 1), (24.0, 3)):
        h.note(WEB, t, ready)
    # 30 s in 6 buckets of 5 s ending at 30: (0,5] (5,10] ... (25,30]; 0 ready from 20 to 21 (the count
    # carried into (20,25] is its low), 3 again from 24.
    assert h.series(WEB, 30.0, 30.0, 6) == [3, 3, 3, 0, 0, 3]
    assert sparkline(h.series(WEB, 30.0, 30.0, 6)) == "███▁▁█"


def test_before_the_first_sample_is_blank_and_a_short_dip_still_shows():
    h = ReadyHistory()
    h.note(WEB, 10.0, 2)
    h.note(WEB, 10.4, 0)
    h.note(WEB, 10.6, 2)
    # (6,7] … (11,12]: the first sample lands in (9,10]; the 0.2 s dip fills (10,11].
    assert h.series(WEB, 12.0, 6.0, 6) == [None, None, None, 2, 0, 2]
    assert sparkline([None, 1, 2, 4], top=4) == " ▃▅█"


def test_one_moment_keeps_its_last_count_and_unchanged_counts_are_not_stored():
    h = ReadyHistory(samples=4)
    h.note(WEB, 1.0, 3)
    h.note(WEB, 1.0, 2)
    h.note(WEB, 2.0, 2)
    assert list(h._series[WEB]) == [(1.0, 2)]


def test_latest_is_the_count_now_not_a_bucket_low():
    h = ReadyHistory()
    h.note(WEB, 1.0, 0)
    h.note(WEB, 1.5, 3)
    assert h.series(WEB, 2.0, 3.0, 1) == [0] and h.latest(WEB) == 3
    assert ReadyHistory().latest(WEB) is None
