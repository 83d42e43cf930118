from svctui.ui.rows import middle, plural


def test_names_are_cut_in_the_middle_keeping_both_ends():
    pod = "nginx-deployment-69c4ddb64f-ngjw6"
    assert middle(pod, 26) == "nginx-deploym…ddb64f-ngjw6" and len(middle(pod, 26)) == 26  # the hash suffix survives
    long_svc = "a-very-long-service-name-that-goes-on-and-on-until-the-end-x63"
    cut = middle(long_svc, 28)
    assert len(cut) == 28 and cut.startswith("a-very-long") and cut.endswith("the-end-x63")
    assert middle("short", 26) == "short"


def test_plurals():
    assert [plural(n, "endpoint") for n in (0, 1, 2)] == ["0 endpoints", "1 endpoint", "2 endpoints"]
