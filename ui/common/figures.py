"""The one latent-map figure builder (Plotly, WebGL) and the parser of its selection events.

Every page draws the map through :func:`map_figure`: one ``Scattergl`` trace per class (or
cluster), so the legend doubles as a class filter, with each point's training index in
``customdata``; optional overlays mark the top-k neighbours, "you are here" and a walk.
No streamlit here: pages pass the figure to ``st.plotly_chart`` and hand its selection event
back to :func:`selected_indices`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

# Ten well-separated colours (Plotly's "D3" qualitative palette), one per class.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
BASE_TRACE_NAME_PREFIX = "items: "


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
                name=f"{name}", legendgroup=f"g{g}",
                marker={"size": point_size, "color": PALETTE[g % len(PALETTE)], "opacity": 0.55},
                hovertemplate=f"#%{{customdata}} {name}<extra></extra>",
                visible=True if visible is None or g in visible else "legendonly",
                meta=BASE_TRACE_NAME_PREFIX + name,
            )
        )  # fmt: skip
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
                marker={"symbol": "star", "size": 22, "color": "#ffd400",
                        "line": {"width": 2, "color": "#111"}},
                hovertemplate="you are here<extra></extra>",
            )
        )  # fmt: skip
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
