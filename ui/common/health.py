"""How every page shows a package's health verdict (``vae_core.package.health``): its badge, the
reason and advice, the notice on Explore, and the marks in the package picker.

The verdict and its words come from the package; this module only chooses colours, icons and
where they go.
"""

from __future__ import annotations

import shlex

import streamlit as st

from ui.common.figures import health_figure
from ui.common.text import md
from vae_core import ModelPackage
from vae_core.package.health import COLLAPSED, HEALTHY, WEAK, Health

NOT_MEASURED = "not measured"
STYLES = {  # verdict -> (badge colour, icon, what the badge says)
    HEALTHY: ("green", ":material/check_circle:", "healthy: the model learned your images"),
    WEAK: ("orange", ":material/warning:", "weak: the model learned your images only partly"),
    COLLAPSED: ("red", ":material/error:", "collapsed: the model learned almost nothing"),
    NOT_MEASURED: ("gray", ":material/help:", "health not measured"),
}
UPGRADE = "python -m vae_core upgrade --package {name}"


def verdict_of(health: Health | None) -> str:
    """``"healthy"``, ``"weak"``, ``"collapsed"`` or ``"not measured"`` (a package built before
    packages carried a verdict)."""
    return health.verdict if health is not None else NOT_MEASURED


def picker_mark(verdict: str | None) -> str:
    """What the package picker adds to a package's name: nothing for a healthy (or unmeasured)
    package, the verdict for a weak or collapsed one."""
    return f" · {verdict}" if verdict in (WEAK, COLLAPSED) else ""


def badge(health: Health | None) -> None:
    colour, icon, label = STYLES[verdict_of(health)]
    st.badge(label, icon=icon, color=colour)


def notice(pkg: ModelPackage) -> None:
    """A warning above a page for a weak or collapsed package (nothing for a healthy one): the
    sliders and pictures below show what such a model can do, which is little."""
    health = pkg.health
    if health is None or health.verdict == HEALTHY:
        return
    st.warning(
        f"**This catalogue's model is {health.verdict}.** {md(health.reason, 600)} {md(health.advice, 600)} "
        "The Model page shows what it learned.",
        icon=STYLES[health.verdict][1],
    )


def verdict_panel(pkg: ModelPackage, key: str) -> None:
    """The verdict's badge, reason and advice, and the held-out error against the mean image's
    as a picture (Model page, and a finished New catalogue job)."""
    health = pkg.health
    badge(health)
    if health is None:
        name = pkg.path.name if pkg.path is not None else "PACKAGE"
        st.caption(
            "This package was built before packages measured what their model learned. Add the verdict "
            "(no retraining) with:"
        )
        st.code(UPGRADE.format(name=quote(name)) + (" --data DIR" if pkg.image_shape == (28, 28) else ""), None)
        return
    st.markdown(md(health.reason, 600))
    if health.advice:
        st.markdown(md(health.advice, 600))
    f = health.figures
    st.plotly_chart(
        health_figure(f.recon_error, f.mean_image_error), key=f"{key}.health", config={"displayModeBar": False}
    )
    st.caption(
        f"Measured on {f.held_out:,} images the model never trained on: how far its redraw of each is from the "
        "original, on average per pixel and colour on a 0-255 scale, against one average picture of the training "
        f"images for all. {f.active_dims} of {f.latent_dim} dimensions carry information "
        f"({f.kl_total:.1f} nats per image)."
        + (
            f" 5-NN class accuracy {f.knn5_accuracy:.0%} (chance {f.chance:.0%})."
            if f.knn5_accuracy is not None and f.chance is not None
            else ""
        )
    )


def quote(name: str) -> str:
    """A package name as one shell word (``shlex.quote``), for commands a page suggests."""
    return shlex.quote(name)
