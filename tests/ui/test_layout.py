from svctui.ui.layout import PANE_CAP, TREE_MIN, PaneSize


def test_quiet_pane_is_one_line_and_the_tree_gets_the_rest():
    assert PaneSize().rows(shared=21, tree_rows=30, quiet=True) == 1


def test_a_busy_pane_takes_its_share_and_the_rows_a_small_tree_leaves():
    assert PaneSize().rows(shared=21, tree_rows=30, quiet=False) == 7  # 35% of 21
    assert PaneSize().rows(shared=42, tree_rows=12, quiet=False) == 30  # 160×45: blank tree rows go to the pane
    assert PaneSize().rows(shared=60, tree_rows=200, quiet=False) == PANE_CAP


def test_user_size_and_maximise():
    p = PaneSize()
    p.grow(7, 2, shared=21)
    assert p.rows(21, 30, quiet=True) == 9  # the user's size wins over quiet
    p.grow(9, 100, shared=21)
    assert p.rows(21, 30, quiet=False) == 21 - TREE_MIN
    p.grow(3, -100, shared=21)
    assert p.rows(21, 30, quiet=False) == 1
    p.maximized = True
    assert p.rows(21, 30, quiet=False) == 21
    p.reset()
    assert p.rows(21, 30, quiet=True) == 1
