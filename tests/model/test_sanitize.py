from svctui.model.sanitize import plain


def test_strips_escape_sequences_whole():
    assert plain("\x1b[31mred\x1b[0m") == "red"
    assert plain("a\x1b[2J\x1b[Hb") == "ab"
    assert plain("x\x1b]0;pwned\x07y") == "xy"  # OSC title
    assert plain("x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y") == "xlinky"  # OSC 8 hyperlink
    assert plain("\x9b31mc1\x9b0m") == "c1"  # 8-bit CSI
    assert plain("a\x1bcb") == "ab"  # RIS


def test_strips_all_control_characters():
    text = "".join(chr(c) for c in range(0x00, 0xA0)) + "ok"
    out = plain(text)
    assert all(not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) for ch in out)
    assert out.endswith("ok")
    assert plain("line1\nline2\tend\r\n") == "line1 line2 end "



def test_invisible_characters_are_shown_as_escapes():
    # Two Services that differ by a zero-width space must not look the same on screen.
    assert plain("web\u200bapi") == "web\\u200bapi" != plain("webapi")
    assert plain("abc\u202edcba") == "abc\\u202edcba"  # bidi override: shown, not obeyed
    assert plain("\ufeffx\u2066y\u2069") == "\\ufeffx\\u2066y\\u2069"
    assert plain("tag\U000e0041") == "tag\\U000e0041"
    assert plain("a\u2028b") == "a b"  # a line separator is a line break


def test_every_format_character_is_escaped():
    import unicodedata

    for c in range(0x110000):
        ch = chr(c)
        if unicodedata.category(ch) == "Cf" and unicodedata.unidata_version <= "15.0.0":
            out = plain(ch)
            assert out.startswith("\\") and out.isascii(), hex(c)


def test_plain_text_passes_and_non_strings():
    assert plain("nginx-7c5b8f4d9-abc12 ✓ ümlaut [bold]x[/]") == "nginx-7c5b8f4d9-abc12 ✓ ümlaut [bold]x[/]"
    assert plain(None) == "" and plain(42) == "42"
    assert plain("abcdef", max_len=4) == "abc…"


def test_unterminated_string_sequence_loses_only_its_introducer():
    assert plain("a\x1b]0;title") == "a0;title"
