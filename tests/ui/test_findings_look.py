"""How a live finding looks in the tree and the details, from plain findings."""

from svctui.model import diagnose as D
from svctui.model.livefindings import checking
from svctui.ui import findings as F


def test_a_checking_note_is_dim_and_says_so() -> None:
    b = F.badge([checking(("default", "web"))])
    assert b.plain == "… checking…"
    assert b.spans[0].style == "dim"


def test_the_badge_names_the_worst_finding_and_counts_the_rest() -> None:
    worst = D.Finding("default/web", D.ERROR, D.SELECTOR_MATCHES_NO_PODS, "no pod matches; nearest ...")
    other = D.Finding("default/web", D.WARNING, D.TARGET_PORT_NOT_EXPOSED, "port 9999 ...")
    assert F.badge([worst, other]).plain == "✖ selector matches no pods +1 more"
    assert F.badge([]).plain == ""


def test_cluster_text_stays_literal() -> None:
    f = D.Finding("default/web", D.WARNING, "some-new-code", "[bold]pod\x1b[2J x[/bold]; more")
    assert F.badge([f]).plain == "⚠ [bold]pod x[/bold]"
    assert F.line(f).plain == "⚠ [bold]pod x[/bold]; more"
