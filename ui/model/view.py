"""Figures and panels of the Model page: what the package was trained on, held-out images beside
their reconstructions, the traversal grid, prior samples with their nearest training garments,
and retrieval quality. The reconstruction and sample strips also show a finished New catalogue
job's package (``key`` keeps their widgets apart)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from ui.common.dims import dim_name
from ui.common.figures import retrieval_figure, traversal_figure
from ui.common.health import quote
from ui.common.loader import get_test_split, item_images
from ui.common.text import md
from vae_core import LatentAtelierError, ModelPackage
from vae_core.images import grid, to_uint8, upscale
from vae_core.latent.traversal import (
    samples_with_neighbours,
    traversal_sheet,
    traversal_values,
    traversal_z,
)

TRAIN_COLOR, TEST_COLOR = "#1f77b4", "#ff7f0e"
EXPLORE_Z = "explore.z"  # the Explore page's current z, read only when present
RECON_SEED = "model.recon_seed"
LIKELIHOODS = {
    "bernoulli": "Bernoulli",
    "logistic": "discretised logistic (8-bit)",
    "logistic-channel": "discretised logistic (8-bit, one scale per colour channel)",
}


def training_data(pkg: ModelPackage) -> str:
    """What the package was trained on, in words: "60,000 Fashion-MNIST garments", or "279 of your
    own colour images in 3 classes (30 more held out to check it)"."""
    source = pkg.data_source
    if source.get("kind") != "image-folder":
        return f"{len(pkg):,} Fashion-MNIST garments"
    held = len(source.get("held_out_rows") or [])
    kind = "colour" if pkg.channels == 3 else "grey"
    classes = f" in {len(pkg.class_names)} classes" if len(pkg.class_names) > 1 else ""
    checked = f" ({held:,} more held out to check it)" if held else ""
    return f"{len(pkg) - held:,} of your own {kind} images{classes} at {pkg.image_size} px{checked}"


def likelihood_name(pkg: ModelPackage) -> str:
    """The decoder's pixel distribution, as the metrics' help names it."""
    return LIKELIHOODS.get(pkg.model_config.likelihood, pkg.model_config.likelihood)


@dataclass(frozen=True)
class HeldOutImages:
    """Images the model never trained on: uint8 ``images``, ``labels``, each one's ``rows`` in the
    split named by ``source`` ("test split" or "catalogue rows")."""

    images: np.ndarray
    labels: np.ndarray
    rows: np.ndarray
    source: str

    def name(self, pkg: ModelPackage, i: int) -> str:
        where = "test #" if self.source == "test split" else "#"
        return f"{md(pkg.class_names[int(self.labels[i])])} ({where}{int(self.rows[i])})"


def held_out_images(pkg: ModelPackage) -> HeldOutImages:
    """The package's own held-out images; for a package built before it carried them, its
    held-out catalogue rows or the Fashion-MNIST test split (which raises the DataError that says
    how to get it)."""
    if pkg.held_out is not None:
        h = pkg.held_out
        return HeldOutImages(h.images(), h.labels, h.rows, h.source)
    test = get_test_split(pkg)
    rows = pkg.data_source.get("held_out_rows") if pkg.catalogue is not None else None
    if rows:
        return HeldOutImages(test.images, test.labels, np.asarray(rows), "catalogue rows")
    return HeldOutImages(test.images, test.labels, np.arange(len(test.labels)), "test split")


def pick_one_per_class(labels: np.ndarray, n_classes: int, seed: int, n: int = 10) -> list[int]:
    """Up to ``n`` positions of ``labels``, one per class present (first classes first), drawn by a
    generator seeded with ``seed``; topped up with other positions when there are fewer classes."""
    rng = np.random.default_rng(seed)
    classes = [c for c in range(n_classes) if np.any(labels == c)][:n]
    pick = [int(rng.choice(np.flatnonzero(labels == c))) for c in classes]
    rest = np.setdiff1d(np.arange(len(labels)), pick)
    extra = rng.choice(rest, size=min(n - len(pick), len(rest)), replace=False) if len(pick) < n else []
    return pick + [int(i) for i in extra]


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


def recon_panel(pkg: ModelPackage, n: int = 10, seed_key: str = RECON_SEED) -> None:
    """Held-out images (one per class where there are classes) above their reconstructions
    decode(mu(x)); the package's own held-out images, so no data folder is needed."""
    try:
        held = held_out_images(pkg)
    except LatentAtelierError as exc:
        st.info(
            f"Test images are unavailable, so no reconstructions can be shown. {exc}",
            icon=":material/cloud_off:",
        )
        return
    pick = pick_one_per_class(held.labels, len(pkg.class_names), st.session_state.get(seed_key, 0), n)
    originals = held.images[pick]
    recon = to_uint8(pkg.decode(pkg.encode(originals)[0]))
    err = np.abs(originals.astype(np.float64) - recon).reshape(len(pick), -1).mean(axis=1)
    scale = max(1, 84 // pkg.image_size)
    for col, i, j in zip(st.columns(len(pick)), range(len(pick)), pick, strict=True):
        pair = grid(np.stack([originals[i], recon[i]]), cols=1, pad=2)
        col.image(upscale(pair, scale), caption=held.name(pkg, j), width="stretch")
    st.caption(
        "Top: images the model never trained on. Bottom: decode(mu), the model's reconstruction. "
        f"These {len(pick)} are off by {err.mean():.1f} on average (per pixel and colour, 0-255 scale)."
    )


def _next_seed(key: str) -> None:
    st.session_state[key] = st.session_state.get(key, 0) + 1


def samples_panel(pkg: ModelPackage, n: int = 8, key: str = "model") -> None:
    """Seeded prior samples, each above its nearest training garment by exact log q(z|x);
    ``key`` prefixes the button's key and its seed's."""
    seed_key = f"{key}.sample_seed"
    seed = st.session_state.get(seed_key, 0)
    c1, c2 = st.columns([1, 4], vertical_alignment="center")
    c1.button(
        "New samples",
        key=f"{key}.new_samples",
        on_click=_next_seed,
        args=(seed_key,),
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
        pair = grid(np.stack([to_uint8(img), near]), cols=1, pad=2)
        col.image(
            upscale(pair, max(1, 112 // pkg.image_size)),
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


def eval_command(pkg: ModelPackage) -> str:
    """The command that recomputes the metrics: the package by name (never a server path), shell-quoted."""
    name = pkg.path.name if pkg.path is not None else "PACKAGE"
    return f"python -m vae_core eval --package {quote(name)} --json"


def retrieval_panel(pkg: ModelPackage) -> None:
    """The package's retrieval metrics as bars, what they mean, and how to recompute them."""
    m = pkg.metrics
    command = eval_command(pkg)
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
        fashion = " (add `--data DIR` for the whole Fashion-MNIST test split)" if pkg.image_shape == (28, 28) else ""
        st.markdown(f"Recompute on the package's held-out images{fashion}; it writes JSON:")
        st.code(command, language="bash")
