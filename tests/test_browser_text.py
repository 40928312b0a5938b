"""User text escaped by ``ui.common.text.md`` shows as literal characters in Chromium: no bold, colour,
link, icon, formula or heading comes out of a hostile file name, link parameter or class name."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT, start_streamlit, wait_for_app

pytestmark = pytest.mark.browser

HOSTILE = [
    "evil **loud** :red[RED] [x](javascript:alert(1)).png",
    ":material/home: :smile: $x^2$ `code` <b>bold</b> &amp; ~~strike~~",
    "# heading\n\n- item\n> quote | a | b |",
    "![img](http://example.invalid/x.png) <script>alert(1)</script> \\*",
]

APP = """
import streamlit as st
from ui.common.text import md
names = {names!r}
for i, name in enumerate(names):
    with st.container(key=f"md{{i}}"):
        st.markdown("Name: " + md(name))
    with st.container(key=f"cap{{i}}"):
        st.caption("Name: " + md(name))
    with st.container(key=f"warn{{i}}"):
        st.warning("Name: " + md(name))
"""


def test_escaped_text_renders_literally(page, tmp_path):
    script = tmp_path / "escape_app.py"
    script.write_text(APP.format(names=HOSTILE))
    proc, url = start_streamlit(script, {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")})
    try:
        page.goto(url)
        wait_for_app(page)
        for i, name in enumerate(HOSTILE):
            for kind in ("md", "cap", "warn"):
                box = page.locator(f".st-key-{kind}{i}")
                text = box.inner_text().replace("\u2060", "")
                assert " ".join(text.split()) == " ".join(("Name: " + name).split()), (kind, text)
                for tag in ("a", "strong", "em", "code", "img", "script", "h1", "li", "blockquote", "del", "b"):
                    assert box.locator(f"[data-testid=stMarkdownContainer] {tag}").count() == 0, (kind, i, tag)
                assert box.locator('[role="img"], .katex, [class*="colored"]').count() == 0, (kind, i)
        assert page.errors == []
    finally:
        proc.kill()
        proc.wait(timeout=10)
