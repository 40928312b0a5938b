"""Figures and panels of the Model page: training curves, per-dimension KL, the traversal grid,
prior samples with their nearest training garments, and retrieval quality."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.common.dims import dim_name
from ui.common.figures import retrieval_figure, traversal_figure
from ui.common.loader import get_test_split, item_images
from ui.common.text import md
from vae_core import LatentAtelierError, ModelPackage
from vae_core.images import grid, upscale
from vae_core.latent.traversal import (
    samples_with_neighbours,
    traversal_sheet,
    traversal_values,
    traversal_z,
)

TRAIN_COLOR, TEST_COLOR = "#1f77b4", "#ff7f0e"
EXPLORE_Z = "explore.z"  # the Explore page's current z, read only when present
SAMPLE_SEED, RECON_SEED = "model.sample_seed", "model.recon_seed"


def explore_z(pkg: ModelPackage) -> np.ndarray | None:
    """The Explore page's current z from session state, if present and valid for this model."""
    if EXPLORE_Z not in st.session_state:
        return None
    try:
        return pkg.check_z(st.session_state[EXPLORE_Z])
    except (LatentAtelierError, TypeError, ValueError):
        return None


def traversal_panel(pkg: ModelPackage) -> None:
    """Controls and the traversal grid: one row per latent dimension, swept from -a to a."""
    current = explore_z(pkg)
    c1, c2, c3, c4 = st.columns([2, 2, 3, 2], vertical_alignment="bottom")
    a = c1.slider(
        "Range a",
        0.5,
        4.0,
        3.0,
        0.5,
        key="model.trav_a",
        help="Each row sweeps one dimension from -a to a (±3 covers 99.7% of the prior).",
    )
    steps = c2.slider("Columns", 3, 15, 9, 2, key="model.trav_steps")
    options = ["zeros", "explore"] if current is not None else ["zeros"]
    base_choice = c3.radio(
        "Other dimensions held at",
        options,
        key="model.trav_base",
        horizontal=True,
        format_func={"zeros": "0 (the prior's centre)", "explore": "the Explore page's z"}.get,
    )
    by_kl = c4.toggle(
        "Most used first",
        value=True,
        key="model.trav_sort",
        help="Order rows by KL (most informative dimension first).",
    )
    if current is None:
        st.caption("Open a garment in the Explore page to hold the other dimensions at its z instead of 0.")
    base = current if base_choice == "explore" and current is not None else np.zeros(pkg.latent_dim)
    kl = np.asarray(pkg.kl_per_dim, dtype=np.float64)
    dims = list(np.argsort(-kl, kind="stable")) if by_kl else list(range(pkg.latent_dim))
    z = traversal_z(base, a, steps, dims)
    decoded = pkg.decode(z.reshape(-1, pkg.latent_dim).astype(np.float32)).reshape(len(dims), steps, *pkg.image_shape)
    pad, scale = 2, 2
    labels = [f"{dim_name(d)} · {kl[d]:.2f} nats" for d in dims]
    sheet = traversal_sheet(decoded, pad=pad)
    fig = traversal_figure(sheet, labels, traversal_values(a, steps), pad, scale, sheet_cell=pkg.image_size)
    st.plotly_chart(fig, key="model.traversal", config={"displayModeBar": False})
    st.caption(
        "Each row changes one latent dimension (the Explore page's slider of that name) and keeps "
        "the others fixed. Rows that do not change are dimensions the model does not use "
        "(KL near 0): their sliders do nothing."
    )


def recon_panel(pkg: ModelPackage) -> None:
    """Test garments (one per class) above their reconstructions decode(mu(x))."""
    try:
        test = get_test_split(pkg)
    except LatentAtelierError as exc:
        st.info(
            f"Test images are unavailable, so no reconstructions can be shown. {exc}",
            icon=":material/cloud_off:",
        )
        return
    seed = st.session_state.get(RECON_SEED, 0)
    rng = np.random.default_rng(seed)
    classes = [c for c in range(len(pkg.class_names)) if np.any(test.labels == c)][:10]
    pick = [int(rng.choice(np.flatnonzero(test.labels == c))) for c in classes]
    mu, _ = pkg.encode(test.images[pick])
    recon = pkg.decode(mu)
    err = np.abs(test.images[pick].astype(np.float64) / 255.0 - recon).reshape(len(pick), -1).mean(axis=1)
    cols = st.columns(len(pick))
    for col, i, j in zip(cols, range(len(pick)), pick, strict=True):
        pair = grid(np.stack([test.images[j], (recon[i] * 255 + 0.5).astype(np.uint8)]), cols=1, pad=2)
        col.image(upscale(pair, 3), caption=f"{md(pkg.class_names[test.labels[j]])} (test #{j})", width="stretch")
    st.caption(
        "Top: test garments the model never trained on. Bottom: decode(mu), the model's "
        f"reconstruction. Mean absolute pixel error of these {len(pick)}: {100 * err.mean():.1f}% of full scale."
    )


def _next_seed(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def samples_panel(pkg: ModelPackage, n: int = 8) -> None:
    """Seeded prior samples, each above its nearest training garment by exact log q(z|x)."""
    seed = st.session_state.get(SAMPLE_SEED, 0)
    c1, c2 = st.columns([1, 4], vertical_alignment="center")
    c1.button(
        "New samples",
        key="model.new_samples",
        on_click=_next_seed,
        args=(SAMPLE_SEED,),
        icon=":material/casino:",
        width="stretch",
    )
    c2.caption(
        f"{n} draws z ~ N(0, I) with seed {seed}. Top: decode(z), a new garment. "
        "Bottom: the training garment whose encoder makes z most likely "
        "(highest log q(z|x))."
    )
    samples = samples_with_neighbours(pkg, n, seed)
    decoded = pkg.decode(np.stack([s.z for s in samples]).astype(np.float32))
    nearest = item_images(pkg, [s.nearest for s in samples], notify=False)
    cols = st.columns(n)
    for col, s, img, near in zip(cols, samples, decoded, nearest, strict=True):
        pair = grid(np.stack([(img * 255 + 0.5).astype(np.uint8), near]), cols=1, pad=2)
        col.image(
            upscale(pair, 4),
            width="stretch",
            caption=(
                f"#{s.nearest} {md(pkg.class_names[s.label])} · log q {s.log_q:.1f} · typicality {s.typicality:.0f}%"
            ),
        )
    typ = np.array([s.typicality for s in samples])
    st.caption(
        "Good samples look like real garments (compare each with the garment below it) but are "
        "not copies of it. Typicality is the percentile of a sample's best log q among codes of real "
        "training garments: near 0% means farther from every training garment than real codes "
        f"ever are (novel, or off the data); around 50% means as close as a typical real garment. "
        f"These samples: median {np.median(typ):.0f}%."
    )


def retrieval_panel(pkg: ModelPackage, package_dir: str) -> None:
    """The package's retrieval metrics as bars, what they mean, and how to recompute them."""
    m = pkg.metrics
    command = f"python -m vae_core eval --package {package_dir} --data DIR --json"
    lq, eu = m.get("retrieval_top10_same_class_log_q"), m.get("retrieval_top10_same_class_euclidean")
    if lq is None or eu is None:
        st.info(f"This package holds no retrieval metrics. Compute them with `{command}`.", icon=":material/info:")
        return
    shares = np.bincount(pkg.labels, minlength=len(pkg.class_names)) / len(pkg)
    chance = float(np.sum(shares**2))
    c1, c2 = st.columns([2, 3])
    c1.plotly_chart(
        retrieval_figure(float(lq), float(eu), chance),
        key="model.retrieval",
        config={"displayModeBar": False},
    )
    queries = int(m.get("retrieval_queries", 0))
    who = f"each of {queries:,} test garments" if queries else "each test garment"
    better, worse = ("log q", "Euclidean distance") if lq >= eu else ("Euclidean distance", "log q")
    with c2:
        st.markdown(
            f"For {who}, its latent "
            "mean is the query z and every training garment is ranked two ways: by **log q(z|x)**, "
            "how likely that garment's encoder distribution makes z (this is how the Explore page "
            "finds neighbours), and by **Euclidean distance** from z to the garment's mean, which "
            "ignores how certain the encoder is. The bars show how many of the top 10 share the "
            "query's class."
        )
        st.markdown(
            f"Here **{better}** agrees with the class labels more often "
            f"({100 * max(lq, eu):.1f}% against {100 * min(lq, eu):.1f}%) than {worse}. "
            "log q weighs each dimension by that garment's own uncertainty (a confidently encoded "
            "garment counts a small offset as a lot, an uncertain one forgives it), while distance "
            "treats every garment and dimension alike, so the two rankings can differ."
        )
        st.markdown("Recompute on the test split (writes JSON to stdout):")
        st.code(command, language="bash")
