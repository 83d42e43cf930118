"""The churn signs and recovery words, and that the ledger and the legend use the same ones."""

from svctui.model import churnwords as W
from svctui.model.churn import ADDED, CHANGED, REMOVED, ChurnEntry, Conditions, Recovery


def test_recovery_words():
    assert W.recovery_words(W.RECOVERED, 3) == "recovered in"
    assert W.recovery_words(W.RESCALED, 2) == "rescaled to 2 after"


def test_recovery_text_uses_them():
    assert Recovery(W.RECOVERED, 10.0, 14.8, 3, 3).text == "recovered in 4.8s (3/3 ready)"
    assert Recovery(W.RESCALED, 10.0, 12.5, 2, 2).text == "rescaled to 2 after 2.5s (2/2 ready)"


def test_entry_signs_are_the_legends():
    ready = Conditions(True, True, False)
    signs = {change: ChurnEntry(0.0, ("default", "web"), change, "10.0.0.1", "IPv4", "p", None, ready).sign
             for change in (ADDED, REMOVED, CHANGED)}
    assert signs == {ADDED: "+", REMOVED: "−", CHANGED: "~"}
    assert all(f"{sign} " in W.LEGEND for sign in signs.values()) and f"{W.UNSLICED} pod in no slice" in W.LEGEND
