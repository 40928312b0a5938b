"""The sidebar's package picker and ``?package=NAME``: which catalogue every page shows.

The chosen name lives in the URL (so a shared link opens the same catalogue); without one, the
app serves ``$LATENT_ATELIER_PACKAGE`` or the shipped package.
"""

from __future__ import annotations

import streamlit as st

from ui.common.health import STYLES, picker_mark
from vae_core.package.health import COLLAPSED, WEAK
from vae_core.package.registry import PackageInfo, list_packages

QUERY_KEY = "package"
WIDGET_KEY = "app.package"


@st.cache_data(ttl=10, show_spinner=False)
def _packages() -> list[PackageInfo]:
    return list_packages()


def chosen_package() -> PackageInfo | None:
    """The package named by ``?package=NAME`` if it is one of the listed packages, else None."""
    name = st.query_params.get(QUERY_KEY)
    if not name:
        return None
    return next((p for p in _packages() if p.name == name), None)


def keep_package(query: dict) -> dict:
    """``query`` plus the current ``?package=NAME`` (pages that rewrite the URL keep the choice)."""
    name = st.query_params.get(QUERY_KEY)
    return {**query, QUERY_KEY: name} if name else dict(query)


def _describe(p: PackageInfo) -> str:
    kind = "colour" if p.channels == 3 else "grey"
    m = p.metrics
    parts = [f"{p.n_items:,} {kind} images at {p.image_size} px", f"{p.bytes / 2**20:.1f} MiB"]
    if p.verdict in (WEAK, COLLAPSED):
        parts.insert(0, f"**{STYLES[p.verdict][2]}**")  # e.g. "collapsed: the model learned almost nothing"
    if "test_neg_elbo" in m:
        parts.append(f"test -ELBO {m['test_neg_elbo']:.1f} nats")
    if "test_bits_per_dim" in m:
        parts.append(f"{m['test_bits_per_dim']:.3f} bits/dim")
    if "knn5_accuracy" in m:
        parts.append(f"5-NN {m['knn5_accuracy']:.3f}")
    return " · ".join(parts)


def package_picker(current_path: str) -> None:
    """Draw the picker in the sidebar; choosing a package writes ``?package=NAME`` and reruns."""
    packages = _packages()
    if not packages:
        return
    names = [p.name for p in packages]
    verdicts = {p.name: p.verdict for p in packages}
    chosen = chosen_package()
    current = chosen.name if chosen else next((p.name for p in packages if str(p.path) == current_path), names[0])

    def on_change() -> None:
        st.query_params[QUERY_KEY] = st.session_state[WIDGET_KEY]

    if st.session_state.get(WIDGET_KEY) not in names:
        st.session_state[WIDGET_KEY] = current
    with st.sidebar:
        st.selectbox(
            "Catalogue",
            names,
            index=names.index(st.session_state[WIDGET_KEY]),  # a remount without a value keeps it
            key=WIDGET_KEY,
            format_func=lambda name: name + picker_mark(verdicts.get(name)),  # weak / collapsed marked
            on_change=on_change,
            help="Packages: the shipped one and those in $LATENT_ATELIER_PACKAGES (default "
            "~/.cache/latent-atelier/packages), where the New catalogue page puts what it trains",
        )
        info = next(p for p in packages if p.name == st.session_state[WIDGET_KEY])
        st.caption(_describe(info))
