from svctui.model.objects import freeze_labels
from svctui.model.selector import selector_summary, selector_text


def test_selector_text_is_kubectls_l_form():
    assert selector_text(freeze_labels({"tier": "web", "app": "nginx"})) == "app=nginx,tier=web"
    assert selector_text([("app", "nginx")]) == "app=nginx"
    assert selector_text(()) == ""


def test_summary_tells_none_from_empty():
    assert selector_summary(None) == "no selector"
    assert selector_summary(()) == "empty selector"
    assert selector_summary(freeze_labels({"app": "nginx", "tier": "web"})) == "app=nginx,tier=web"
