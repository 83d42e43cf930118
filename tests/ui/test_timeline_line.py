"""A timeline line tells the change in the ledger's words (ChurnEntry.what), from plain data."""

from svctui.model.churn import ADDED, CHANGED, ChurnEntry, Conditions
from svctui.ui.rows import timeline_line


def test_the_line_says_what_the_ledger_says() -> None:
    ready, not_ready = Conditions(True, True, False), Conditions(False, False, False)
    for e in (ChurnEntry(1.0, ("default", "web"), ADDED, "10.0.0.1", "IPv4", "web-a", "w", ready, None, "web-b"),
              ChurnEntry(2.0, ("default", "web"), CHANGED, "10.0.0.1", "IPv4", "web-a", "w", ready, not_ready,
                         None, 3.0)):
        line = timeline_line(e, False, lambda t: f"t{t:g}").plain
        assert line.startswith(f"t{e.time:g}  web  {e.sign} 10.0.0.1")
        assert line.endswith(f"({e.what})"), line
    assert line.endswith("(ready after 3.0s)")
