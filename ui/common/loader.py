"""The one place that caches: the model package, the training images, the base map figures and
the board database's connection pool.

Cached objects are shared by every session of the server process and are never mutated.
"""

from __future__ import annotations

import atexit
import gc
import os
import threading

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from threadpoolctl import threadpool_limits

from store import Store, database_url, open_store
from ui.common.figures import map_figure
from ui.common.minimap import Raster, map_raster
from ui.common.pad.decoder_spec import DecoderSpec, Unsupported, decoder_spec
from ui.common.text import md
from vae_core import DEFAULT_PACKAGE, LatentAtelierError, ModelPackage, load_split
from vae_core.latent.guides import TrackIndex
from vae_core.model.data import ENV_VAR as DATA_ENV_VAR
from vae_core.model.data import Split
from vae_core.package.identity import PackageIdentity, identity_of

PACKAGE_ENV_VAR = "LATENT_ATELIER_PACKAGE"
THREADS_ENV_VAR = "LATENT_ATELIER_TORCH_THREADS"
WARM_BYTES = 512 * 2**20  # catalogues up to this size are decoded whole at load (Fashion-MNIST: 47 MB)
PACKAGES_KEPT = 8  # packages (and their per-package caches) kept loaded, least recently used dropped


class PackageKey(str):
    """The served package's folder, as the ``str`` every cached function below takes, carrying
    the package's :class:`~vae_core.package.identity.PackageIdentity` as it is on disk now.

    The caches hash a key by path *and* content (``_BY_IDENTITY``), so a package folder replaced
    on disk (retrained, rebuilt, a catalogue added) is loaded anew instead of being served from
    the cache while the picker describes the new one; pages pass ``package_path()`` along as
    before."""

    identity: PackageIdentity

    def __new__(cls, path: str, identity: PackageIdentity) -> PackageKey:
        key = super().__new__(cls, path)
        key.identity = identity
        return key


_BY_IDENTITY = {PackageKey: lambda key: (str(key), key.identity.content)}


def package_path() -> PackageKey:
    """The package folder: the one the session chose (``?package=NAME`` or the picker; see
    ``ui.common.picker``), else ``$LATENT_ATELIER_PACKAGE``, else the shipped default."""
    from .picker import chosen_package

    chosen = chosen_package()
    path = str(chosen.path) if chosen is not None else os.environ.get(PACKAGE_ENV_VAR) or str(DEFAULT_PACKAGE)
    return PackageKey(path, identity_of(path))


def package_identity() -> PackageIdentity:
    """The identity of the package this run serves (what hand-offs carry and check)."""
    return package_path().identity


@st.cache_resource(show_spinner="Loading the model package...", max_entries=PACKAGES_KEPT, hash_funcs=_BY_IDENTITY)
def _load_package(path: str) -> ModelPackage:
    # The app's model calls are tiny (one z, or a few dozen); one torch thread per call keeps
    # concurrent sessions from oversubscribing the cores (0.9 vs 0.7 ms per decode when idle,
    # over 10x faster under load on a 2-core machine). Streamlit runs every rerun in a new
    # thread, so the package applies the setting in the calling thread (see torch_threads).
    pkg = ModelPackage.load(path)
    pkg.torch_threads = int(os.environ.get(THREADS_ENV_VAR) or 1)
    # The same for numpy's BLAS (the ranking and the slider guides multiply 60,000-row matrices by
    # one vector): its threads spin after every call, so a two-thread BLAS cost a server step
    # about 60 ms more CPU than the work itself (117 against 26 ms per step without the guides).
    threadpool_limits(limits=int(os.environ.get(THREADS_ENV_VAR) or 1), user_api="blas")
    _ = pkg.index  # build the ranking rows once, here, not on a user's first slider move
    if pkg.catalogue is not None and pkg.catalogue.nbytes <= WARM_BYTES:
        # decode the thumbnails' shards in the background, not one by one during a first drag
        threading.Thread(target=pkg.catalogue.warm, name="catalogue-warm", daemon=True).start()
    freeze_startup_objects()
    return pkg


@st.cache_resource(show_spinner=False, max_entries=PACKAGES_KEPT, hash_funcs=_BY_IDENTITY)
def track_index(path: str) -> TrackIndex:
    """The package's catalogue laid out for the slider guides (``vae_core.latent.guides``)."""
    return TrackIndex(_load_package(path).index.rows_)


def freeze_startup_objects() -> None:
    """Exclude everything alive now (torch, plotly, streamlit, the package) from the cyclic
    garbage collector.

    A full collection holds the GIL while it walks every tracked object, so no page update of
    any session leaves the server until it ends; with torch and plotly imported that is about
    240,000 objects, 78 ms. Streamlit's own full collection after every script run is switched
    off in ``.streamlit/config.toml`` (``runner.postScriptGC``: with ten sessions it was half the
    server's GIL time); Python's automatic ones remain. Frozen objects (``gc.freeze``) are
    skipped by both; they are still freed by reference counting, only cycles among them are no
    longer collected. Garbage is collected first, so none of it is frozen. Called once per
    process, after the package loads; the objects are unfrozen at exit, so the interpreter's
    final collection still frees them (extension modules such as triton's report "leaked"
    objects otherwise).
    """
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)


def package_at(path: str) -> ModelPackage:
    """The package at ``path`` (shared and cached like the current one; raises PackageError):
    for a page that shows garments of several packages, such as a board."""
    return _load_package(path)


def get_package() -> ModelPackage:
    """The shared model package; on failure, show the reason and stop the page."""
    try:
        return _load_package(package_path())
    except LatentAtelierError as exc:
        st.error(f"The model package could not be loaded. {md(exc, 1000)}", icon=":material/error:")
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_resource(show_spinner="Loading the training images (downloading them the first time)...")
def _train_images(data_dir: str | None) -> np.ndarray:
    return load_split("train", data_dir).images


def get_train_images(pkg: ModelPackage, notify: bool = True) -> np.ndarray | None:
    """The (N, 28, 28) uint8 training images, or None (with a notice) when they are unavailable.

    A package that carries its catalogue answers from it (a lazily decoded
    :class:`vae_core.catalogue.Catalogue`, indexed like the array).

    Without the images every page still works from the package: thumbnails show the decoded
    posterior means instead, labelled as such. ``notify=False`` skips the notice (for a page that
    has already shown it once in this run).
    """
    if pkg.catalogue is not None:  # the package carries its images: no download, decoded lazily
        return pkg.catalogue  # type: ignore[return-value]  (indexes like the array)
    data_dir = os.environ.get(DATA_ENV_VAR) or None
    try:
        images = _train_images(data_dir)
    except LatentAtelierError as exc:
        if not notify:
            return None
        st.info(
            "Training images are unavailable, so thumbnails show each item's decoded mean "
            f"instead of the original photo. {exc}",
            icon=":material/cloud_off:",
        )
        return None
    if len(images) != len(pkg):
        if not notify:
            return None
        st.warning(f"The training images ({len(images)}) do not match the package ({len(pkg)} items).")
        return None
    return images


@st.cache_resource(show_spinner=False, max_entries=PACKAGES_KEPT, hash_funcs=_BY_IDENTITY)
def _decoded_means(path: str) -> np.ndarray:
    pkg = _load_package(path)
    return (pkg.decode(pkg.mu) * 255.0 + 0.5).astype(np.uint8)


def item_images(pkg: ModelPackage, indices: np.ndarray | list[int], notify: bool = True) -> np.ndarray:
    """(k, 28, 28) uint8 pictures of training items: originals if available, else decoded means."""
    idx = np.asarray(indices, dtype=np.int64)
    images = get_train_images(pkg, notify)
    if images is not None:
        return images[idx]
    return _decoded_means(package_path())[idx]


@st.cache_resource(show_spinner="Drawing the latent map...", hash_funcs=_BY_IDENTITY)
def base_map(path: str, method: str, color_by: str = "class", n_clusters: int = 0) -> go.Figure:
    """The map of every training item (no overlays), built once per package/projection/colouring.

    Treat the returned figure as read-only: add overlays to a copy (``go.Figure(fig)``).
    """
    from vae_core.latent.clusters import kmeans_labels

    pkg = _load_package(path)
    if color_by == "cluster":
        groups = kmeans_labels(pkg.mu, n_clusters, seed=0)
        names = [f"cluster {i}" for i in range(n_clusters)]
    else:
        groups, names = pkg.labels, list(pkg.class_names)
    return map_figure(pkg.map_xy(method), groups, names, density=True)


# ---------------------------------------------------------------- Latent map and Model pages
@st.cache_resource(show_spinner="Clustering the latent means...", hash_funcs=_BY_IDENTITY)
def cluster_labels(path: str, k: int) -> np.ndarray:
    """(N,) k-means cluster (0..k-1, largest first) of every training item's mean; seed 0."""
    from vae_core.latent.clusters import kmeans_labels

    labels = kmeans_labels(_load_package(path).mu, k, seed=0)
    labels.setflags(write=False)
    return labels


@st.cache_resource(show_spinner="Drawing the latent map...", hash_funcs=_BY_IDENTITY)
def projected_map(
    path: str, method: str, components: tuple[int, int] = (0, 1), color_by: str = "class", n_clusters: int = 0
) -> go.Figure:
    """Like :func:`base_map`, for t-SNE or any two PCA components, with axis titles (PCA titles
    give each component's explained variance). Read-only: copy it before adding overlays."""
    from ui.latent_map.browse import projection

    pkg = _load_package(path)
    proj = projection(pkg, method, components)
    if color_by == "cluster":
        groups, names = cluster_labels(path, n_clusters), [f"cluster {i + 1}" for i in range(n_clusters)]
    else:
        groups, names = pkg.labels, list(pkg.class_names)
    fig = map_figure(proj.xy, groups, names, axis_titles=proj.axis_titles, height=640, density=True)
    # Dragging pans and a click selects one point (Streamlit only honours clicks in pan mode); the
    # toolbar's box and lasso tools select groups. Zoom and legend filters persist while the axes
    # mean the same.
    fig.update_layout(
        dragmode="pan",
        clickmode="event+select",
        hovermode="closest",
        uirevision=f"{method}-{components}-{color_by}-{n_clusters}",
        legend={
            "orientation": "h",
            "yanchor": "top",
            "y": -0.12,
            "xanchor": "left",
            "x": 0,
            "title": {"text": "click to filter:"},
        },
        margin={"l": 60, "r": 10, "t": 30, "b": 10},
    )
    return fig


@st.cache_resource(show_spinner="Loading the test images...")
def _test_split(data_dir: str | None):
    return load_split("test", data_dir, allow_download=False)


def get_test_split(pkg: ModelPackage | None = None):
    """The package's held-out garments (a :class:`vae_core.Split`): for a package trained on an
    image folder, its held-out catalogue rows; otherwise the Fashion-MNIST test split, or raise the
    DataError that says how to get it. Never downloads: the Model page explains instead."""
    rows = (pkg.data_source.get("held_out_rows") if pkg is not None else None) or []
    if pkg is not None and pkg.catalogue is not None and rows:
        idx = np.asarray(rows, dtype=np.int64)
        return Split(pkg.images(idx), pkg.labels[idx], tuple(pkg.class_names))
    return _test_split(os.environ.get(DATA_ENV_VAR) or None)


@st.cache_resource(show_spinner=False, hash_funcs=_BY_IDENTITY)
def decoder_for_browser(path: str) -> DecoderSpec | Unsupported:
    """The package's decoder as a layer list with float16 weights, for the latent pad (or why the
    browser cannot run it)."""
    model = _load_package(path).model
    return decoder_spec(model.decoder, sigmoid=model.output_sigmoid)  # else the browser clips to [0, 1]


@st.cache_resource(show_spinner=False, hash_funcs=_BY_IDENTITY)
def minimap_raster(path: str, method: str, size: int) -> Raster:
    """The Explore page's mini-map background (about 20 ms to build), shared by every session;
    ``ui/explore/live_map.py`` draws "you are here" over it in the browser."""
    pkg = _load_package(path)
    return map_raster(pkg.map_xy(method), pkg.labels, size=size)


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)  # a failure (unreachable, newer schema) is raised, not cached


def get_store() -> Store:
    """The board database of ``$LATENT_ATELIER_DATABASE_URL`` (default: a SQLite file in the app's
    data folder), migrated at its first use in the process; raises ``store.StoreError``."""
    return _store(database_url())
