"""A tiny app around the latent pad, for its browser tests and benchmark.

``LATENT_ATELIER_PACKAGE`` names the package (the shipped one by default). Query parameters:
``unsupported=1`` draws the pad with a decoder the browser cannot run (server decoding).
The text box "set z" moves the sliders from the server (comma-separated values).
"""

from __future__ import annotations

import json
import os

import numpy as np
import streamlit as st

from ui.common.dims import dim_name
from ui.common.pad.component import PadSlider, latent_pad, set_pad, take_report
from ui.common.pad.decoder_spec import DecoderSpec, Unsupported, decoder_spec
from ui.explore.state import SLIDER_RANGES, range_for, slider_specs
from vae_core import DEFAULT_PACKAGE, ModelPackage
from vae_core.latent.guides import likelihood_tracks, track_percentiles, track_positions

KEY = "pad_app.pad"


@st.cache_resource
def load(path: str) -> tuple[ModelPackage, DecoderSpec | Unsupported]:
    pkg = ModelPackage.load(path)
    return pkg, decoder_spec(pkg.model.decoder)


pkg, spec = load(os.environ.get("LATENT_ATELIER_PACKAGE") or str(DEFAULT_PACKAGE))
if st.query_params.get("unsupported"):
    spec = Unsupported(3, "BatchNorm2d", "a test asked for server decoding")
ss = st.session_state
ss.setdefault("z", tuple([0.0] * pkg.latent_dim))
ss.setdefault("range", 3.0)
ss.setdefault("reports", 0)
specs = slider_specs(pkg.kl_per_dim)
sliders = [PadSlider(name=dim_name(s.dim), label=s.label, help=s.help, dim=s.dim, active=s.active) for s in specs]


def on_set() -> None:
    z = np.array([float(v) for v in ss["set_z"].split(",")])
    ss["z"] = tuple(z)
    ss["range"] = range_for(z, ss["range"])
    set_pad(KEY, [z[s.dim] for s in sliders], ss["range"])
    guides_for(ss["z"], ss["range"])


st.text_input("set z", key="set_z", on_change=on_set)


def guides_for(z: tuple[float, ...], a: float) -> None:
    tracks = likelihood_tracks(pkg.index.rows_, np.asarray(z), track_positions(a))
    ss["guides"] = track_percentiles(tracks, pkg.typicality_ref)[[s.dim for s in sliders]]
    ss["guides_range"] = a


@st.fragment
def pad_fragment() -> None:
    report = take_report(KEY)
    if report is not None:
        ss["reports"] += 1
        ss["z"], ss["range"] = report.z, report.range
    if report is None and "guides" not in ss or report is not None and report.final:
        guides_for(ss["z"], ss["range"])
    latent_pad(
        spec,
        sliders,
        key=KEY,
        values=[ss["z"][s.dim] for s in sliders],
        latent_dim=pkg.latent_dim,
        ranges=SLIDER_RANGES,
        range_=ss["range"],
        guides=ss["guides"],
        guides_range=ss["guides_range"],
        server_image=pkg.decode(np.asarray(ss["z"])) if isinstance(spec, Unsupported) else None,
    )
    st.code(json.dumps({"z": list(ss["z"]), "range": ss["range"], "reports": ss["reports"]}), language="json")


pad_fragment()
