"""The one Service-target parser (cli, doctor, probe): each accepted form, each error."""

import pytest

from svctui.model.target import ServiceTarget, TargetError, parse_service_target


@pytest.mark.parametrize("text, want", [
    ("web", ServiceTarget("web")),
    ("svc/web", ServiceTarget("web")),
    ("service/web", ServiceTarget("web")),
    ("services/web", ServiceTarget("web")),
    ("SVC/web", ServiceTarget("web")),
    ("Service/web", ServiceTarget("web")),
    ("web.demo", ServiceTarget("web", "demo")),
    ("svc/web.demo", ServiceTarget("web", "demo")),
    ("services/web.demo", ServiceTarget("web", "demo")),
    ("  svc/web  ", ServiceTarget("web")),
])
def test_accepted_forms(text, want):
    assert parse_service_target(text) == want


@pytest.mark.parametrize("text, words", [
    ("deploy/web", "only Services"),
    ("pod/web", "expected svc/NAME"),
    ("/web", "only Services"),
    ("svc/", "is not svc/NAME"),
    ("", "is not svc/NAME"),
    ("svc/web/x", "is not svc/NAME"),
    ("web.", "is not svc/NAME"),
    (".demo", "is not svc/NAME"),
    ("web.demo.svc", "is not svc/NAME"),
    ("svc/we b", "is not svc/NAME"),
])
def test_errors_are_one_line_and_name_the_input(text, words):
    with pytest.raises(TargetError) as err:
        parse_service_target(text)
    message = str(err.value)
    assert words in message and repr(text) in message and "\n" not in message


def test_namespace_from_the_name_and_from_n_must_agree():
    assert ServiceTarget("web").resolve_namespace(None) is None
    assert ServiceTarget("web").resolve_namespace("prod") == "prod"
    assert ServiceTarget("web", "demo").resolve_namespace(None) == "demo"
    assert ServiceTarget("web", "demo").resolve_namespace("demo") == "demo"
    with pytest.raises(TargetError, match="-n says prod"):
        ServiceTarget("web", "demo").resolve_namespace("prod")
