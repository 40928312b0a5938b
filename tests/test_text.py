"""Escaping user text for Markdown and Plotly labels (the browser check is test_browser_text.py)."""

from __future__ import annotations

from ui.common.text import md, md_code, plotly_label, shorten

WJ = "\u2060"


def test_md_escapes_every_markdown_mark():
    assert md("**a** [x](y)") == r"\*\*a\*\* \[x\]\(y\)"
    assert md(":red[R]") == "\\:" + WJ + r"red\[R\]"
    assert md("$x$ `c` <b> # _u_ ~s~ |") == r"\$x\$ \`c\` \<b\> \# \_u\_ \~s\~ \|"
    assert md("T-shirt/top") == r"T\-shirt\/top"
    assert md("plain words 123") == "plain words 123"


def test_line_breaks_and_control_characters_become_spaces():
    assert shorten("a\nb\r\tc\x00d\u202ee") == "a b  c d e"


def test_long_text_is_shortened_with_its_length():
    long = "9" * 100_000
    assert shorten(long, 10) == "9999999999… (100,000 characters)"
    assert len(md(long)) < 200 and md("x" * 120) == "x" * 120


def test_md_code_and_plotly_label():
    assert md_code("a*b") == r"'a\*b'"
    assert plotly_label('<a href="javascript:x">T</a>') == "&lt;a href=&quot;javascript:x&quot;&gt;T&lt;/a&gt;"
