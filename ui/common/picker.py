"""The sidebar's package picker and ``?package=NAME``: which catalogue every page shows.

The choice lives in the link and in the session. The link (``?package=NAME``) makes a shared link
open the same catalogue; the session keeps the choice when a sidebar page switch (or
``st.switch_page``) drops the link's parameters. On every run a link naming a usable package wins
and becomes the session's choice; a link without one gets the session's choice written back, so
every page's link names the package it serves; with neither, ``$LATENT_ATELIER_PACKAGE`` or the
shipped package is served. A link naming an unknown or broken package, or made with another
version of the package (``package_fp``, see :func:`keep_package`), falls back or goes on with a
notice that ``app.py`` draws at the top of the page (:func:`show_notices`).
"""

from __future__ import annotations

import os
import time

import streamlit as st

from ui.common.health import STYLES, picker_mark
from ui.common.text import md, md_code, shorten
from vae_core.package.health import COLLAPSED, HEALTHY, WEAK
from vae_core.package.registry import PACKAGES_ENV_VAR, PackageInfo, list_packages

QUERY_KEY = "package"
FINGERPRINT_KEY = "package_fp"  # the first digits of the package's content fingerprint, in links
WIDGET_KEY = "app.package"
CHOICE_KEY = "app.package_choice"  # the name this session chose (survives page switches)
NOTICES_KEY = "app.package_notices"  # (page it was raised on, [notices])
LISTING_SECONDS = 10  # how stale the list of packages may be


_listed: dict[str, tuple[float, tuple[PackageInfo, ...]]] = {}  # packages folder -> (when, listing)


def _listing() -> tuple[PackageInfo, ...]:
    """Every listed package, broken ones included, at most :data:`LISTING_SECONDS` old (shared
    read-only by all sessions; keyed by the packages folder, which the environment sets).

    A plain memo rather than ``st.cache_resource``: pages ask for the chosen package several
    times per slider step, and a cache lookup cost about 0.4 ms each (this: about 1 us)."""
    folder = os.environ.get(PACKAGES_ENV_VAR, "")  # what packages_dir() depends on, without its Path work
    now = time.monotonic()
    seen = _listed.get(folder)
    if seen is None or now - seen[0] > LISTING_SECONDS:
        seen = _listed[folder] = (now, tuple(list_packages()))
    return seen[1]


def _find(name: str) -> PackageInfo | None:
    return next((p for p in _listing() if p.name == name), None)


def is_listed(name: str) -> bool:
    """Whether a link's ``?package=name`` would find a usable package (the default one included)."""
    info = _find(name)
    return info is not None and info.usable


def _notice(message: str) -> None:
    page, notices = st.session_state.get(NOTICES_KEY, (None, []))
    if message not in notices:
        st.session_state[NOTICES_KEY] = (page, [*notices, message])


def _set_link(name: str | None, fingerprint: str | None = None) -> None:
    """Make the link's ``package`` (and ``package_fp``) say ``name`` (None: remove them)."""
    params = st.query_params
    for key, value in ((QUERY_KEY, name), (FINGERPRINT_KEY, fingerprint)):
        if value is None:
            if key in params:
                del params[key]
        elif params.get(key) != value:
            params[key] = value


def _check_version(info: PackageInfo) -> None:
    """A link's ``package_fp`` that is not this package's content: say so once, then fix it."""
    seen = st.query_params.get(FINGERPRINT_KEY)
    if seen is not None and not (info.content and info.identity.short == seen):
        _notice(
            f"This link was made with another version of the catalogue {md_code(info.name)} (fingerprint "
            f"{md_code(seen, 16)}; it is now {md_code(info.identity.short or 'unreadable')}), so the garments it "
            "names may look different."
        )
        _set_link(info.name, info.identity.short)


def chosen_package() -> PackageInfo | None:
    """The package this session serves by choice (the link's, else the session's), or None for
    the default. Unknown or broken names in the link are dropped with a notice."""
    ss = st.session_state
    asked = st.query_params.get(QUERY_KEY)
    if asked:
        info = _find(asked)
        if info is not None and info.usable:
            if ss.get(CHOICE_KEY) != info.name:
                ss[CHOICE_KEY] = info.name
            _check_version(info)
            return info
        why = "there is no catalogue of that name" if info is None else f"it cannot be used: {md(info.problem, 300)}"
        fallback = ss.get(CHOICE_KEY) or "the default catalogue"
        _notice(f"The link asks for the catalogue {md_code(asked, 80)}, but {why}. Showing {md(fallback)} instead.")
        _set_link(None)
    name = ss.get(CHOICE_KEY)
    if not name:
        return None
    info = _find(name)
    if info is None or not info.usable:
        ss.pop(CHOICE_KEY, None)
        why = "it is no longer there" if info is None else f"it cannot be used now: {md(info.problem, 300)}"
        _notice(f"The catalogue {md_code(name)} you chose cannot be shown: {why}. Showing the default catalogue.")
        _set_link(None)
        return None
    if st.query_params.get(QUERY_KEY) != name:  # a page switch dropped it: every page's link names it
        _set_link(name, st.query_params.get(FINGERPRINT_KEY))
    return info


def keep_package(query: dict) -> dict:
    """``query`` plus the chosen package's name and fingerprint (pages that rewrite the URL keep
    the choice, and a shared link says which version of the package it was made with)."""
    chosen = chosen_package()
    if chosen is None:
        return dict(query)
    return {**query, QUERY_KEY: chosen.name, FINGERPRINT_KEY: chosen.identity.short}


def show_notices(page: str) -> None:
    """Draw this session's package notices (as warnings at the top of ``page``); they stay while
    the session is on that page and are dropped when it moves to another."""
    where, notices = st.session_state.get(NOTICES_KEY, (None, []))
    if where not in (None, page):
        st.session_state.pop(NOTICES_KEY, None)
        return
    if notices:
        st.session_state[NOTICES_KEY] = (page, notices)
    for notice in notices:
        st.warning(notice, icon=":material/link_off:")


def _describe(p: PackageInfo) -> str:
    """The caption under the picker, in a designer's words: what the catalogue holds and whether
    its model learned it (the figures in nats and accuracies are on the Model page)."""
    kind = "colour" if p.channels == 3 else "grey"
    parts = [f"{p.n_items:,} {kind} images at {p.image_size} px", f"{p.bytes / 2**20:.1f} MiB"]
    if p.verdict in (WEAK, COLLAPSED):
        parts.insert(0, f"**{STYLES[p.verdict][2]}**")  # e.g. "collapsed: the model learned almost nothing"
    elif p.verdict == HEALTHY:
        parts.append("the model learned it well")
    return " · ".join(parts)


def package_picker(current_path: str) -> None:
    """Draw the picker in the sidebar (usable packages; broken ones listed below it with the
    reason); choosing a package makes it the session's choice and writes ``?package=NAME``."""
    listed = _listing()
    packages = [p for p in listed if p.usable]
    if not packages:
        return
    names = [p.name for p in packages]
    verdicts = {p.name: p.verdict for p in packages}
    chosen = chosen_package()
    current = chosen.name if chosen else next((p.name for p in packages if str(p.path) == current_path), names[0])

    def on_change() -> None:
        name = st.session_state[WIDGET_KEY]
        st.session_state[CHOICE_KEY] = name
        st.session_state.pop(NOTICES_KEY, None)
        info = _find(name)
        _set_link(name, info.identity.short if info is not None else None)

    if st.session_state.get(WIDGET_KEY) != current:
        st.session_state[WIDGET_KEY] = current  # the link (or a fallback) decides, not a stale widget
    with st.sidebar:
        st.selectbox(
            "Catalogue",
            names,
            index=names.index(st.session_state[WIDGET_KEY]),  # a remount without a value keeps it
            key=WIDGET_KEY,
            # options are plain text; weak and collapsed packages are marked
            format_func=lambda name: shorten(name, 80) + picker_mark(verdicts.get(name)),
            on_change=on_change,
            help="Packages: the shipped one and those in $LATENT_ATELIER_PACKAGES (default "
            "~/.cache/latent-atelier/packages), where the New catalogue page puts what it trains",
        )
        info = next(p for p in packages if p.name == st.session_state[WIDGET_KEY])
        st.caption(_describe(info))
        broken = [p for p in listed if not p.usable]
        if broken:
            with st.expander(f"{len(broken)} cannot be used", icon=":material/block:"):
                for p in broken:
                    st.caption(f":material/block: {md(p.name, 80)}: {md(p.problem, 300)}")
