"""columns.fit on labels built as the tree's rows are (rows.cols): what gives way, in which order."""

from __future__ import annotations

from svctui.ui.columns import fit
from svctui.ui.rows import FLEX, KEEP, cols, t

NAME63 = "a-very-long-service-name-that-goes-on-and-on-until-the-end-of63"


def drawn(label, width: int) -> str:
    return fit(label, width, label.layout).plain


def service_like(name: str, column: int):
    return cols((t((name.ljust(column), "bold")), FLEX), (t("  3/3 ready"), KEEP), (t("  "), KEEP),
                (t("ClusterIP "), 2), (t("10.96.0.1"), KEEP), (t("  80→80/TCP"), 4), (t("  app=web"), 3),
                least=16, reserve=36)


def test_a_label_that_fits_is_drawn_as_built():
    label = service_like("web", 3)
    assert fit(label, 80, label.layout) is label


def test_columns_drop_by_rank_and_the_ip_and_state_stay():
    label = service_like("web", 3)
    full = label.plain
    assert drawn(label, len(full) - 1) == "web  3/3 ready  ClusterIP 10.96.0.1  app=web"  # ports first
    assert drawn(label, 36) == "web  3/3 ready  ClusterIP 10.96.0.1"  # then the selector
    assert drawn(label, 25) == "web  3/3 ready  10.96.0.1"  # then the type word; never the IP


def test_a_long_name_is_whole_with_room_and_cut_in_the_middle_without():
    label = service_like(NAME63, 63)
    assert drawn(label, 200).startswith(NAME63 + "  3/3 ready")
    narrow = drawn(label, 75)  # a Service row at 80 columns
    name = narrow.split("  ")[0]
    assert len(name) == 75 - 36 and name.startswith("a-very-long") and name.endswith("end-of63") and "…" in name
    assert "3/3 ready" in narrow and "10.96.0.1" in narrow


def test_the_name_column_is_cut_alike_on_every_row_so_columns_stay_aligned():
    long_row = service_like(NAME63, 63)
    short_row = cols((t("web".ljust(63)), FLEX), (t("  3/3 ready"), KEEP), least=16, reserve=36)
    a, b = drawn(long_row, 75), drawn(short_row, 75)
    assert a.index("3/3 ready") == b.index("3/3 ready") == 75 - 36 + 2


def test_a_badge_keeps_its_mark_and_count_where_its_words_do_not_fit():
    label = cols((t("web-loadbalancer"), FLEX), (t("  2/2 ready"), KEEP),
                 (t("  ⚠ targetPort not a container port +1 more"), 1, t("  ⚠ 2 findings")),
                 (t("  10.99.11.118 <pending>"), KEEP), least=16, reserve=36)
    assert drawn(label, 75) == "web-loadbalancer  2/2 ready  ⚠ 2 findings  10.99.11.118 <pending>"


def test_an_endpoint_row_drops_zone_then_node_then_cuts_the_pod_name():
    pod = "nginx-deployment-69c4ddb64f-gplp2"
    label = cols((t("  10.244.1.5      ready       "), KEEP), (t(pod), FLEX), (t("  svctui-worker"), 2),
                 (t(" zone-a"), 3), (t("  reused: was x"), KEEP))
    full = label.plain
    assert drawn(label, len(full)) == full
    assert drawn(label, len(full) - 1) == full.replace(" zone-a", "")
    assert drawn(label, len(full) - 8) == full.replace(" zone-a", "").replace("  svctui-worker", "")
    cut = drawn(label, 60)
    assert cut.startswith("  10.244.1.5      ready       nginx") and cut.endswith("gplp2  reused: was x")
    assert len(cut) == 60
    assert len(drawn(label, 40)) == 30 + 12 + 15  # the pod name keeps 12: the end is cut then
