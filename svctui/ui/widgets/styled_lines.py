"""A widget's styles applied once per line *content*, not once per line number.

Textual's StylesCache keeps each styled line by its line number: when rows move (one inserted above
them, a new timeline entry on top) every line that moved goes through the styling again (background,
padding, tint, opacity, then the app's filters on the new strip), about 0.15 ms a line, although its
content is the same strip as before. Widgets here that keep a strip per row (LineTree, Lines) hand the
same Strip object back for a row that only moved; this cache then hands back the styled strip it made
for that object, which the line filters have already seen (a Strip caches its filtered copies).

Only content lines are reused, and only while nothing else the styling reads has changed (the sizes,
padding, backgrounds, opacity, theme): border, padding and outline rows, and widgets with border
titles, go through Textual's own path.
"""

from __future__ import annotations

from textual._styles_cache import StylesCache
from textual.strip import Strip

_KEEP = 1024  # styled strips kept; past it the cache starts again (a screen holds far fewer)


class ReusingStylesCache(StylesCache):
    def __init__(self) -> None:
        super().__init__()
        self._by_content: dict[int, tuple[Strip, tuple, Strip]] = {}  # id(content) → (content, frame, styled)
        self._look: tuple | None = None

    def render(self, styles, *args, **kw) -> list[Strip]:
        # What the styling of a content line reads from the styles, once per render. It goes into each
        # line's key, so a restyle (or a full refresh, which clears Textual's cache) keeps what still fits.
        self._look = (styles.gutter, styles.border, styles.outline, styles.tint, styles.text_opacity,
                      styles.hatch if styles.has_rule("hatch") else None)
        try:
            return super().render(styles, *args, **kw)
        finally:
            self._look = None

    def render_line(self, styles, y, size, content_size, padding, base_background, background,
                    render_content_line, border_title, border_subtitle, opacity, ansi_theme, native_ansi) -> Strip:
        args = (styles, y, size, content_size, padding, base_background, background)
        rest = (border_title, border_subtitle, opacity, ansi_theme, native_ansi)
        look = self._look
        if look is None or border_title is not None or border_subtitle is not None:
            return super().render_line(*args, render_content_line, *rest)
        gutter, _, outline = look[:3]
        content_y = y - gutter.top
        if (content_y < 0 or content_y >= content_size.height or y >= size.height - gutter.bottom
                or outline.top[0] or outline.bottom[0]):
            return super().render_line(*args, render_content_line, *rest)
        content = render_content_line(content_y)
        frame = (look, size, content_size, padding, base_background, background, opacity, ansi_theme, native_ansi)
        held = self._by_content.get(id(content))
        if held is not None and held[0] is content and held[1] == frame:
            return held[2]
        styled = super().render_line(*args, lambda _y: content, *rest)
        if len(self._by_content) >= _KEEP:
            self._by_content.clear()
        self._by_content[id(content)] = (content, frame, styled)
        return styled
