"""Names, labels and messages from the cluster are shown literally: markup stays text, escapes go."""

from __future__ import annotations

from svctui.model.objects import Endpoint, EndpointSlice, Pod, Service, ServicePort
from svctui.model.store import ENDPOINTSLICE, POD, SERVICE
from svctui.ui.messages import ModelChanged

from .conftest import T0, labels, make_app, wait_for

EVIL = "web[bold]x\x1b[31mred\x1b]0;title\x07[/]"


async def test_markup_and_escapes_are_rendered_literally(empty):
    sim, cfg = empty
    app = make_app(cfg)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.main.synced, what="sync")
        svc = Service("default", EVIL, uid="u1", cluster_ip="10.96.0.9", selector=(("app", "[red]x\x1b[2J"),),
                      ports=(ServicePort("http", 80, 8080),))
        sl = EndpointSlice("default", "evil-abc", uid="u2", service_name=EVIL,
                           endpoints=(Endpoint(("10.244.0.9",), ready=True, target_kind="Pod",
                                               target_name="pod[b]\x1b[1m", node_name="n[i]"),))
        pod = Pod("default", "pod[b]\x1b[1m", uid="u3", labels=(("app", "[red]x\x1b[2J"),), pod_ip="10.244.0.9",
                  phase="Running", ready=True)
        for kind, obj in ((SERVICE, svc), (POD, pod), (ENDPOINTSLICE, sl)):
            app.main.post_message(ModelChanged(app.main.gen, app.main.model.apply(kind, "ADDED", obj, T0)))
        await wait_for(pilot, lambda: app.main.tree.service_node(("default", EVIL)), what="row")
        app.main.tree.reveal(("default", EVIL))
        await pilot.pause(0.1)
        text = "\n".join(labels(app))
        assert "web[bold]xred[/]" in text  # markup literal, the ESC sequences (SGR, OSC title) removed
        assert "app=[red]x" in text
        assert "pod[b]" in text and "n[i]" in text
        assert "\x1b" not in text
        app.action_cycle_pane()
        app.action_cycle_pane()
        await pilot.pause(0.1)
        details = app.query_one("#details").render().plain
        assert "web[bold]xred[/]" in details and "\x1b" not in details
        svg = app.export_screenshot()
        assert "web[bold]xred[/]".replace("[", "&#91;") in svg or "web[bold]xred[/]" in svg


def test_rows_t_builds_the_text_that_rich_would():
    from rich.style import Style
    from rich.text import Text

    from svctui.ui.rows import t

    inner = t(("✖ no pods", "bold red"), (" +1 more", "dim"))
    got = t(("name\x1b[31m", "bold"), "  ", inner, "", ("", "red"), ("wide 日本", Style(italic=True)), "\ttab")
    want = Text(no_wrap=True, overflow="ellipsis")
    for text, style in (("name", "bold"), ("  ", None), ("✖ no pods", "bold red"), (" +1 more", "dim"),
                        ("wide 日本", Style(italic=True)), (" tab", None)):
        want.append(text, style)
    assert got.plain == want.plain and got.cell_len == want.cell_len
    assert got.spans == want.spans
    assert (got.no_wrap, got.overflow) == (True, "ellipsis")
    assert "\x1b" not in got.plain and "\t" not in got.plain
    # no control anywhere (the parts are checked once, joined), and a part that is not a string
    clean = t(("name", "bold"), "  ", inner, "", ("", "red"), ("wide 日本", Style(italic=True)), (7, "dim"))
    want = Text(no_wrap=True, overflow="ellipsis")
    for text, style in (("name", "bold"), ("  ", None), ("✖ no pods", "bold red"), (" +1 more", "dim"),
                        ("wide 日本", Style(italic=True)), ("7", "dim")):
        want.append(text, style)
    assert clean.plain == want.plain and clean.spans == want.spans
    assert clean.cell_width() == want.cell_len


def test_a_label_knows_its_width_and_forgets_it_when_appended_to():
    from svctui.ui.rows import t

    label = t(("svc", "bold"), "  ", ("80→8080/TCP", None), " 日本")
    assert label.cell_width() == label.cell_len == 21
    label.append("日本")
    assert label.cell_width() == label.cell_len == 25
