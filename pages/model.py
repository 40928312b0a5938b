"""Model: what the VAE learned. Its health verdict, held-out images beside their reconstructions,
training curves and metrics, what each latent dimension does, samples from the prior, and
retrieval quality. Everything comes from the package: no data folder is needed."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.common import health
from ui.common.figures import curves_figure, kl_figure
from ui.common.loader import get_package, get_train_images
from ui.common.shell import require_shell
from ui.common.text import md
from ui.model import view as mv
from vae_core.latent.metrics import ACTIVE_KL, active_dims

require_shell()

st.title("Model")
pkg = get_package()
m = pkg.metrics
active = int(np.sum(active_dims(pkg.kl_per_dim)))
st.caption(
    f"A convolutional VAE with a {pkg.latent_dim}-dimensional latent space, trained on "
    f"{mv.training_data(pkg)} for {len(pkg.history)} epochs. Package: **{md(pkg.path.name)}**."
)

st.subheader("What the model learned")
health.verdict_panel(pkg, "model")
mv.recon_panel(pkg)
st.button(
    "Other images",
    key="model.other_recon",
    on_click=mv._next_seed,
    args=(mv.RECON_SEED,),
    icon=":material/shuffle:",
)

st.subheader("Training")
METRICS = [  # (label, metric key, format, help)
    ("Test negative ELBO", "test_neg_elbo", "{:.1f}", "Nats per held-out image: reconstruction + KL. Lower is better."),
    (
        "Reconstruction",
        "test_recon",
        "{:.1f}",
        f"Nats per held-out image: {mv.likelihood_name(pkg)} negative log-likelihood of the pixels.",
    ),
    ("KL", "test_kl", "{:.1f}", "Nats per held-out image: KL(q(z|x) || N(0, I)), what the code costs."),
    ("5-NN accuracy", "knn5_accuracy", "{:.1%}", "Held-out images classed by a vote of the 5 nearest training means."),
]
cols = st.columns(len(METRICS) + 1)
for col, (label, key, fmt, tip) in zip(cols, METRICS):
    col.metric(label, fmt.format(m[key]) if key in m else "n/a", help=tip)
cols[-1].metric(
    "Active units",
    f"{active} / {pkg.latent_dim}",
    help=f"Latent dimensions with an average KL above {ACTIVE_KL} nats.",
)
if pkg.history:
    st.plotly_chart(curves_figure(pkg.history), key="model.curves", config={"displayModeBar": False})
    st.caption(
        "Per epoch, in nats per image; solid: training set, dashed: held-out set. The axes zoom in on "
        "epochs 2 onwards (the first starts far higher); every value is in the package's manifest "
        "(`python -m vae_core info --json`)."
    )
else:
    st.info("This package holds no training history.", icon=":material/info:")

st.subheader("Latent dimensions")
st.plotly_chart(kl_figure(pkg.kl_per_dim), key="model.kl", config={"displayModeBar": False})
st.caption(
    f"Average KL of each dimension over the training images: {active} of {pkg.latent_dim} carry "
    f"information (above the dotted line at {ACTIVE_KL} nats); grey ones the model ignores: whatever their "
    "value, the picture stays the same."
)
mv.traversal_panel(pkg)

st.subheader("Samples from the prior")
get_train_images(pkg)  # one notice if neighbours are shown as decoded means
mv.samples_panel(pkg)

st.subheader("Retrieval quality")
mv.retrieval_panel(pkg)
