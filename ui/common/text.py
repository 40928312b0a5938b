"""User-provided text made safe to show: in Markdown (every ``st.markdown``, ``st.caption``,
``st.warning``, ``st.error``, ``st.toast``, ...) and in Plotly's HTML-like labels.

Streamlit renders those strings as Markdown with its own extensions, so a file name such as
``evil **loud** :red[RED] [x](javascript:alert(1)).png`` would come out bold, red and as a
``javascript:`` link. :func:`md` backslash-escapes every ASCII punctuation mark (CommonMark
treats ``\\*``, ``\\[``, ``\\$``, ... as the literal character), puts an invisible word joiner
after each colon (Streamlit expands ``:material/icon:`` and ``:emoji:`` even when the colons are
escaped; measured in Chromium), turns line breaks and other control characters into spaces, and
shortens the text to ``limit`` characters so a 100 kB link parameter cannot fill the page.
"""

from __future__ import annotations

import html
import re
import unicodedata

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark
_WORD_JOINER = "\u2060"
DEFAULT_LIMIT = 120


def shorten(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """``str(text)`` with control characters as spaces, cut to ``limit`` characters (marked with
    an ellipsis and the full length when cut)."""
    s = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text)[: limit + 1])
    if len(str(text)) <= limit:
        return s
    return f"{s[:limit].rstrip()}… ({len(str(text)):,} characters)"


def md(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` as literal characters inside Streamlit Markdown (see the module docstring)."""
    escaped = _PUNCTUATION.sub(r"\\\1", shorten(text, limit))
    return escaped.replace(":", ":" + _WORD_JOINER)


def plain(markdown: str) -> str:
    """What :func:`md` text reads as on the page (backslash escapes and word joiners removed);
    for tests and for comparing a caption with the text it came from."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(_WORD_JOINER, "")


def md_code(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """``repr(text)``-like quoting for echoing a value back (e.g. a link parameter), escaped."""
    return "'" + md(text, limit) + "'"


def plotly_label(text: object, limit: int = DEFAULT_LIMIT) -> str:
    """``text`` for a Plotly name, legend entry or hover text (which understand a subset of HTML,
    links included): shortened and HTML-escaped, with ``%`` as the entity ``&#37;`` (Plotly fills
    ``%{...}`` in names and texts from the trace's data, so a class named ``a %{x} b`` showed as
    ``a  b``; the entity is drawn as ``%`` after the templates are filled; checked in Chromium)."""
    return html.escape(shorten(text, limit), quote=True).replace("%", "&#37;")


__all__ = ["DEFAULT_LIMIT", "md", "md_code", "plain", "plotly_label", "shorten"]
