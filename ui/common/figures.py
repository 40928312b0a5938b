"""Every Plotly figure the app draws, and the parser of the map's selection events.

The latent map: every page draws it through :func:`map_figure`: one ``Scattergl`` trace per
class (or cluster), so the legend doubles as a class filter, with each point's training index in
``customdata``; optional overlays mark the top-k neighbours, "you are here" and a walk
(:func:`walk_overlay`). The charts: training curves, per-dimension KL, the traversal grid,
retrieval quality and the health verdict's error bar (Model page), the class histogram and a
garment's posterior (Latent map), and the walk's closeness to real garments (Interpolate). No
streamlit here: pages pass the figures to ``st.plotly_chart`` and hand selection events back to
:func:`selected_indices`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.common.dims import dim_names
from ui.common.text import plotly_label
from vae_core.images import png_bytes, upscale
from vae_core.latent.metrics import ACTIVE_KL, active_dims
from vae_core.latent.traversal import CURVES, training_curves
from vae_core.package.health import COLLAPSED_ERROR_RATIO, WEAK_ERROR_RATIO

# Ten well-separated colours (Plotly's "D3" qualitative palette), one per class.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
BASE_TRACE_NAME_PREFIX = "items: "
MAP_NAMES = {"tsne": "t-SNE", "pca": "PCA"}  # the two maps, by their key in links and packages
TRAIN_COLOR, TEST_COLOR = "#1f77b4", "#ff7f0e"
HERE_COLOUR = "#ffd400"  # "you are here", on every map (and the Explore mini-map)
# The marker of "you are here" (Explore) and of the garments A and B (Interpolate).
HERE_MARKER = {"symbol": "star", "size": 22, "color": HERE_COLOUR, "line": {"width": 2, "color": "#111"}}
WALK_NAMES = {"linear": "Linear", "slerp": "Spherical (slerp)"}
PATH_COLOURS = {"linear": "#111111", "slerp": "#d62728"}


def map_figure(
    xy: np.ndarray,
    groups: np.ndarray,
    group_names: Sequence[str],
    *,
    highlight: Sequence[int] | None = None,
    here: np.ndarray | None = None,
    path: np.ndarray | None = None,
    visible: Sequence[int] | None = None,
    height: int = 520,
    point_size: float = 3.0,
    axis_titles: tuple[str, str] = ("", ""),
) -> go.Figure:
    """Scatter of every item's map position, coloured by group, with optional overlays.

    Parameters
    ----------
    xy
        (N, 2) coordinates (t-SNE or PCA of the latent means).
    groups
        (N,) integer group of each item (class label or k-means cluster).
    group_names
        Name of each group, shown in the legend.
    highlight
        Item indices to ring (e.g. the top-k likelihood neighbours).
    here
        (2,) position of the current z, drawn as a star ("you are here").
    path
        (M, 2) positions of a walk, drawn as a line with numbered frames.
    visible
        Groups to show; the others start hidden (click the legend to toggle).

    Returns
    -------
    plotly.graph_objects.Figure
        Base traces carry ``customdata`` = training index, so a click or box/lasso selection
        maps back to items through :func:`selected_indices`.
    """
    xy = np.asarray(xy, dtype=np.float32)
    groups = np.asarray(groups)
    fig = go.Figure()
    for g, name in enumerate(group_names):
        idx = np.flatnonzero(groups == g)
        if len(idx) == 0:
            continue
        fig.add_trace(
            go.Scattergl(
                x=xy[idx, 0], y=xy[idx, 1], customdata=idx.astype(np.int32), mode="markers",
                name=plotly_label(name), legendgroup=f"g{g}",  # names may come from a user's package
                marker={"size": point_size, "color": PALETTE[g % len(PALETTE)], "opacity": 0.55},
                hovertemplate="#%{customdata} %{fullData.name}<extra></extra>",
                visible=True if visible is None or g in visible else "legendonly",
                meta=BASE_TRACE_NAME_PREFIX + plotly_label(name),
            )
        )  # fmt: skip
    _add_overlays(fig, xy, highlight, here, path)
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"itemsizing": "constant", "title": {"text": "click to filter"}},
        dragmode="pan",
        xaxis={"title": axis_titles[0], "showgrid": False, "zeroline": False},
        yaxis={"title": axis_titles[1], "showgrid": False, "zeroline": False},
        plot_bgcolor="white",
        uirevision="latent-map",  # keep zoom and legend filters across reruns
    )
    return fig


def _add_overlays(
    fig: go.Figure, xy: np.ndarray, highlight: Sequence[int] | None, here: np.ndarray | None, path: np.ndarray | None
) -> None:
    """Ring the ``highlight`` items, draw the walk ``path`` and the "you are here" star."""
    if highlight is not None and len(highlight):
        h = np.asarray(highlight, dtype=np.int64)
        fig.add_trace(
            go.Scattergl(
                x=xy[h, 0], y=xy[h, 1], customdata=h, mode="markers", name="top-k neighbours",
                marker={"size": 11, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "#111"}},
                hovertemplate="#%{customdata} (neighbour)<extra></extra>",
            )
        )  # fmt: skip
    if path is not None and len(path):
        p = np.asarray(path, dtype=np.float32)
        fig.add_trace(
            go.Scatter(
                x=p[:, 0], y=p[:, 1], mode="lines+markers+text", name="walk",
                text=[str(i) for i in range(len(p))], textposition="top center",
                line={"color": "#111", "width": 2}, marker={"size": 7, "color": "#111"},
                hovertemplate="frame %{text}<extra></extra>",
            )
        )  # fmt: skip
    if here is not None:
        hx, hy = np.asarray(here, dtype=np.float64).reshape(2)
        fig.add_trace(
            go.Scatter(
                x=[hx], y=[hy], mode="markers", name="you are here",
                marker=HERE_MARKER,
                hovertemplate="you are here<extra></extra>",
            )
        )  # fmt: skip


def selected_indices(event: Mapping[str, Any] | None) -> list[int]:
    """Training indices in a ``st.plotly_chart(on_select=...)`` selection event.

    Reads each selected point's ``customdata`` (the training index); points of overlay traces
    (walks, "you are here") carry none and are skipped. Order of first appearance, no duplicates.
    """
    if not event:
        return []
    selection = event.get("selection") if isinstance(event, Mapping) else None
    points = (selection or {}).get("points", []) if isinstance(selection, Mapping) else []
    seen: dict[int, None] = {}
    for point in points:
        custom = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(custom, (list, tuple)):
            custom = custom[0] if custom else None
        if isinstance(custom, (int, float, np.integer, np.floating)) and not isinstance(custom, bool):
            seen.setdefault(int(custom), None)
    return list(seen)


# ------------------------------------------------------------------ Model page
def _zoomed_range(*series: np.ndarray) -> list[float] | None:
    """A y range that leaves out the first epoch of each curve (training from random weights
    starts far above where it ends and would flatten the rest), or None for short histories."""
    if len(series[0]) < 4:
        return None
    later = np.concatenate([s[1:] for s in series])
    later = later[np.isfinite(later)]
    if later.size == 0:
        return None
    low, high = float(later.min()), float(later.max())
    pad = 0.05 * max(high - low, 1e-6)
    return [low - pad, high + pad]


def curves_figure(history: Sequence[dict[str, float]]) -> go.Figure:
    """Three panels (negative ELBO, reconstruction, KL), train and test, per epoch (nats/image)."""
    curves = training_curves(history)
    markers = len(history) <= 15  # dense markers would hide the test curve's dashes
    fig = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in CURVES], horizontal_spacing=0.07)
    for col, (key, _) in enumerate(CURVES, start=1):
        for split, color, dash in (("train", TRAIN_COLOR, "solid"), ("test", TEST_COLOR, "dash")):
            fig.add_trace(
                go.Scatter(
                    x=curves["epoch"],
                    y=curves[key][split],
                    mode="lines+markers" if markers else "lines",
                    name=split,
                    line={"color": color, "dash": dash, "width": 2},
                    marker={"size": 5},
                    legendgroup=split,
                    showlegend=col == 1,
                    hovertemplate=f"epoch %{{x}}: %{{y:.2f}} nats ({split})<extra></extra>",
                ),
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text="epoch", row=1, col=col, dtick=max(1, len(history) // 8))
        y_range = _zoomed_range(curves[key]["train"], curves[key]["test"])
        if y_range is not None:
            fig.update_yaxes(range=y_range, row=1, col=col)
    fig.update_yaxes(title_text="nats per image", row=1, col=1)
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.22, "x": 0, "xanchor": "left", "yanchor": "bottom"},
    )
    fig.update_xaxes(showgrid=True, gridcolor="#eee")
    fig.update_yaxes(showgrid=True, gridcolor="#eee")
    return fig


def kl_figure(kl_per_dim: np.ndarray, threshold: float = ACTIVE_KL) -> go.Figure:
    """Average KL of each latent dimension (nats), active ones coloured, the threshold dashed."""
    kl = np.asarray(kl_per_dim, dtype=np.float64)
    active = active_dims(kl, threshold)
    fig = go.Figure(
        go.Bar(
            x=dim_names(len(kl)),
            y=kl,
            marker_color=[TRAIN_COLOR if a else "#bbb" for a in active],
            text=[f"{v:.2f}" for v in kl],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:.3f} nats<extra></extra>",
        )
    )
    fig.add_hline(y=threshold, line_dash="dot", line_color="#d62728")
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        plot_bgcolor="white",
        yaxis={"title": "KL (nats)", "rangemode": "tozero", "gridcolor": "#eee"},
    )
    return fig


def traversal_figure(
    sheet: np.ndarray, row_labels: list[str], values: np.ndarray, pad: int, scale: int, sheet_cell: int = 28
) -> go.Figure:
    """The traversal sheet as an image with the swept value under each column and the
    dimension (and its KL) beside each row; ``sheet_cell`` is one garment's side in pixels."""
    cell = (sheet_cell + pad) * scale
    big = upscale(sheet, scale)
    source = "data:image/png;base64," + base64.b64encode(png_bytes(big)).decode("ascii")
    fig = go.Figure(go.Image(source=source, hoverinfo="skip"))
    fig.update_layout(
        height=int(big.shape[0] * 1.0) + 60,
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        xaxis={
            "tickvals": [(j + 0.5) * cell - pad * scale / 2 for j in range(len(values))],
            "ticktext": [f"{v:+.3g}" for v in values],
            "title": "value of the swept dimension",
            "showgrid": False,
            "side": "bottom",
        },
        yaxis={
            "tickvals": [(r + 0.5) * cell - pad * scale / 2 for r in range(len(row_labels))],
            "ticktext": row_labels,
            "showgrid": False,
        },
        plot_bgcolor="white",
    )
    return fig


def retrieval_figure(log_q: float, euclidean: float, chance: float) -> go.Figure:
    """Two bars: the share of top-10 neighbours in the query's class, by log q and by distance."""
    fig = go.Figure(
        go.Bar(
            x=["log q(z|x)", "Euclidean to mu"],
            y=[100 * log_q, 100 * euclidean],
            marker_color=[TRAIN_COLOR, TEST_COLOR],
            text=[f"{100 * log_q:.1f}%", f"{100 * euclidean:.1f}%"],
            textposition="outside",
            cliponaxis=False,
            width=0.5,
            hovertemplate="%{x}: %{y:.1f}% of the top 10 share the query's class<extra></extra>",
        )
    )
    fig.add_hline(
        y=100 * chance,
        line_dash="dot",
        line_color="#555",
        annotation_text=f"chance {100 * chance:.0f}%",
        annotation_position="top right",
    )
    fig.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        plot_bgcolor="white",
        yaxis={"title": "top-10 in the query's class (%)", "range": [0, 105], "gridcolor": "#eee"},
    )
    return fig


# ------------------------------------------------------------------ Latent map page
def histogram_figure(counts: np.ndarray, class_names: tuple[str, ...]) -> go.Figure:
    """Bar chart of how many selected garments each class holds (classes in the map's colours)."""
    total = max(int(counts.sum()), 1)
    fig = go.Figure(
        go.Bar(
            x=[plotly_label(name) for name in class_names],
            y=counts,
            marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(class_names))],
            text=[f"{c:,}" if c else "" for c in counts],
            textposition="outside",
            customdata=100.0 * counts / total,
            hovertemplate="%{x}: %{y:,} (%{customdata:.0f}%)<extra></extra>",
            cliponaxis=False,
        )
    )
    fig.update_layout(
        height=230,
        margin={"l": 10, "r": 10, "t": 24, "b": 10},
        yaxis={"title": "garments", "rangemode": "tozero"},
        xaxis={"tickangle": -35},
        plot_bgcolor="white",
        showlegend=False,
    )
    return fig


def posterior_figure(mu: np.ndarray, sigma: np.ndarray) -> go.Figure:
    """Per-dimension posterior mean with ±1 sigma error bars, over the prior's ±1 band."""
    dims = dim_names(len(mu))
    fig = go.Figure(
        go.Bar(
            x=dims,
            y=mu,
            error_y={"type": "data", "array": sigma, "visible": True, "color": "#333", "thickness": 1.5},
            marker_color="#1f77b4",
            hovertemplate="%{x}: mu %{y:.2f} ± %{error_y.array:.2f}<extra></extra>",
            name="posterior",
        )
    )
    fig.add_hrect(y0=-1, y1=1, fillcolor="#bbb", opacity=0.25, line_width=0, layer="below")
    fig.update_layout(
        height=240,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={"title": "mu ± sigma", "zeroline": True, "zerolinecolor": "#999"},
        plot_bgcolor="white",
        showlegend=False,
    )
    return fig


# ------------------------------------------------------------------ Interpolate page
def closeness_chart(
    walks: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    typicality_ref: np.ndarray,
    off_percentile: float,
) -> go.Figure:
    """Best log q(z|x) of every frame against t, with the band real garments' codes live in.

    ``walks`` holds, per walk, its method ("linear" or "slerp") and four (M,) arrays: t, the
    best log q of each frame, the index of that nearest item and the frame's typicality.
    """
    fig = go.Figure()
    for method, t, score, nearest, typicality in walks:
        fig.add_trace(
            go.Scatter(
                x=t,
                y=score,
                mode="lines+markers",
                name=WALK_NAMES[method],
                line={"color": PATH_COLOURS[method]},
                customdata=np.stack([np.arange(len(t)), nearest, typicality], axis=1),
                hovertemplate="frame %{customdata[0]:.0f} (t = %{x:.2f})<br>nearest #%{customdata[1]:.0f}"
                "<br>log q %{y:.1f} (percentile %{customdata[2]:.0f})<extra></extra>",
            )
        )
    ref = np.asarray(typicality_ref)
    if len(ref):
        fig.add_hline(
            y=float(np.percentile(ref, off_percentile)),
            line_dash="dash",
            line_color="#888",
            annotation_text=f"{off_percentile:.0f}% of real garments' codes score below this",
            annotation_position="bottom right",
        )
    fig.update_layout(
        height=260,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "t (A = 0, B = 1)", "range": [-0.02, 1.02]},
        yaxis={"title": "best log q(z|x)"},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


def _label_offsets(ends: np.ndarray, span: np.ndarray, reach: float = 64.0) -> np.ndarray:
    """(k, 2) pixel offsets (Plotly's ax, ay) that put each end's label away from the other ends
    (so A's label sits on the far side of A from B, off the walk between them); straight up for
    a single end or coinciding ends."""
    out = np.tile([0.0, -reach], (len(ends), 1))
    if len(ends) < 2:
        return out
    centre = ends.mean(axis=0)
    for i, p in enumerate(ends):
        d = (p - centre) / np.maximum(span, 1e-9)  # in map spans, so x and y weigh alike
        norm = float(np.hypot(*d))
        if norm > 1e-9:
            out[i] = [reach * d[0] / norm, -reach * d[1] / norm]  # (pixel y grows downwards)
    return out


def walk_overlay(
    base: go.Figure,
    paths: Sequence[tuple[str, np.ndarray, int | None]],
    ends: Sequence[tuple[str, np.ndarray]],
) -> go.Figure:
    """A copy of a map with walks drawn over it (the catalogue faded) and their ends as stars.

    ``paths`` holds, per walk, its method, the (M, 2) frame positions and the index of the
    inserted midpoint (marked ★) or None; ``ends`` the labels and (2,) positions of A and B. The
    walks' first and last frames are A and B themselves: the stars mark them and carry no number,
    and the labels of A and B sit in boxes pointing at their stars from the side away from the
    walk, so no frame number or line crosses them.
    """
    fig = go.Figure(base)  # a copy: a cached base stays untouched
    if paths:
        fig.update_traces(marker_opacity=0.25, selector={"type": "scattergl"})
    for method, xy, mid in paths:
        colour = PATH_COLOURS[method]
        last = len(xy) - 1
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="lines+markers+text",
                name=f"walk ({WALK_NAMES[method]})",
                text=[("" if i in (0, last) else "★" if i == mid else str(i)) for i in range(len(xy))],
                textposition="top center",
                textfont={"size": 11, "color": colour},
                line={"color": colour, "width": 3},
                marker={"size": 9, "color": colour, "line": {"width": 1, "color": "#fff"}},
                hovertemplate="frame %{pointNumber}<extra></extra>",  # (no customdata: not a training item)
            )
        )
    if ends:
        xy = np.stack([np.asarray(pos, dtype=np.float64).reshape(2) for _, pos in ends])
        labels = [plotly_label(label) for label, _ in ends]
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="markers",
                name="A and B",
                text=labels,
                marker={**HERE_MARKER, "size": 20},
                hovertemplate="%{text}<extra></extra>",
            )
        )
        span = _data_span(base)
        for (x, y), (ax, ay), label in zip(xy, _label_offsets(xy, span), labels, strict=True):
            fig.add_annotation(
                x=x, y=y, ax=ax, ay=ay, text=label, showarrow=True, arrowhead=0, arrowwidth=1.5,
                arrowcolor="#111", standoff=11, font={"size": 13, "color": "#111"},
                bgcolor="rgba(255,255,255,0.9)", bordercolor="#111", borderwidth=1, borderpad=3,
            )  # fmt: skip
    fig.update_layout(height=520)
    return fig


def _data_span(fig: go.Figure) -> np.ndarray:
    """(2,) the x and y extent of a figure's scatter points (1 where it has none)."""
    xs = [np.asarray(t.x, dtype=np.float64) for t in fig.data if getattr(t, "x", None) is not None]
    ys = [np.asarray(t.y, dtype=np.float64) for t in fig.data if getattr(t, "y", None) is not None]
    if not xs or not ys:
        return np.ones(2)
    x, y = np.concatenate(xs), np.concatenate(ys)
    return np.array([np.ptp(x) if x.size else 1.0, np.ptp(y) if y.size else 1.0])


# ------------------------------------------------------------------ New catalogue page
def training_progress_figure(
    batch_points: Sequence[tuple[float, float]], epoch_rows: Sequence[Mapping[str, float]], epochs: int
) -> go.Figure:
    """A running job's loss curve against (fractional) epochs: the batch losses as a thin line
    (with the KL warm-up's weight, so they start low), and after each epoch the true negative
    ELBO on the training and held-out images, in nats per image."""
    fig = go.Figure()
    if batch_points:
        x, y = zip(*batch_points)
        fig.add_trace(
            go.Scatter(
                x=x, y=y, mode="lines" if len(x) > 30 else "lines+markers", name="batch loss (KL warm-up weighted)",
                line={"color": "#9aa5b1", "width": 1.5},
                hovertemplate="epoch %{x:.2f}: %{y:.1f}<extra></extra>",
            )
        )  # fmt: skip
    for key, name, color, dash in (
        ("train_neg_elbo", "train -ELBO", TRAIN_COLOR, "solid"),
        ("test_neg_elbo", "held-out -ELBO", TEST_COLOR, "dash"),
    ):
        rows = [r for r in epoch_rows if isinstance(r.get(key), (int, float))]
        if rows:
            fig.add_trace(
                go.Scatter(
                    x=[r["epoch"] for r in rows], y=[r[key] for r in rows], mode="lines+markers", name=name,
                    line={"color": color, "dash": dash, "width": 2}, marker={"size": 6},
                    hovertemplate=f"epoch %{{x:.0f}}: %{{y:.2f}} nats ({name})<extra></extra>",
                )
            )  # fmt: skip
    fig.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        plot_bgcolor="white",
        xaxis={"title": "epoch", "range": [0, max(epochs, 1)], "gridcolor": "#eee"},
        yaxis={"title": "nats per image", "gridcolor": "#eee"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig


def health_figure(recon_error: float, mean_image_error: float) -> go.Figure:
    """Two bars over the verdict's zones (healthy up to half the mean image's error, weak up to 0.9
    of it, collapsed beyond): the held-out reconstruction error, and the error of one average
    picture for every image, which a model that learned nothing matches."""
    m = max(float(mean_image_error), 1e-9)
    top = max(float(recon_error), m) * 1.15
    zones = [
        (0.0, WEAK_ERROR_RATIO * m, "#e3f4e3", "healthy"),
        (WEAK_ERROR_RATIO * m, COLLAPSED_ERROR_RATIO * m, "#fdf0d9", "weak"),
        (COLLAPSED_ERROR_RATIO * m, top, "#fbe0e0", "collapsed"),
    ]
    fig = go.Figure(
        go.Bar(
            x=[m, recon_error],
            y=["one average picture", "its redraws"],
            orientation="h",
            marker_color=["#aaa", "#333"],
            width=0.55,
            text=[f"{m:.1f}", f"{recon_error:.1f}"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: off by %{x:.1f} on average (0-255)<extra></extra>",
        )
    )
    for lo, hi, colour, name in zones:
        fig.add_vrect(x0=lo, x1=hi, fillcolor=colour, line_width=0, layer="below")
        fig.add_annotation(x=(lo + hi) / 2, y=1.0, yref="paper", text=name, showarrow=False, yanchor="bottom")
    fig.update_layout(
        height=170,
        margin={"l": 10, "r": 10, "t": 25, "b": 10},
        plot_bgcolor="white",
        xaxis={"range": [0, top], "title": None, "showgrid": False},
        yaxis={"showgrid": False},
        showlegend=False,
    )
    return fig
