"""A selection of the Latent map as files: a CSV of its garments (index, class, source) and a ZIP
of their pictures with that CSV. No streamlit here (``tests/test_latent_map_export.py``).

The source of a garment is the file it was made from, relative to the folder the package was
trained on (a package trained on an image folder), or ``fashion-mnist:train:INDEX`` for the
Fashion-MNIST training split, where a garment is a row of the IDX file. Pictures are the
catalogue's own, at the model's resolution, pixel for pixel.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence

import numpy as np

from vae_core import ModelPackage
from vae_core.images import png_bytes

MAX_ZIP_IMAGES = 10_000  # pictures per ZIP (about 3 s to encode, 3 MB); the CSV lists every garment
CSV_NAME = "selection.csv"
COLUMNS = ("index", "class", "source")


def source_of(pkg: ModelPackage, index: int) -> str:
    """Where catalogue item ``index`` came from (see the module docstring)."""
    paths = pkg.catalogue.paths if pkg.catalogue is not None else None
    path = paths[index] if paths is not None and index < len(paths) else None
    return str(path) if path else f"fashion-mnist:train:{int(index)}"


def selection_csv(pkg: ModelPackage, indices: Sequence[int]) -> bytes:
    """The garments ``indices`` as CSV (UTF-8, a header row, one row per garment, in order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for i in indices:
        writer.writerow((int(i), pkg.class_names[int(pkg.labels[int(i)])], source_of(pkg, int(i))))
    return out.getvalue().encode("utf-8")


def picture_name(pkg: ModelPackage, index: int) -> str:
    """The ZIP member of item ``index``'s picture: ``images/00042-ankle-boot.png``."""
    from ui.board.archive import slug

    return f"images/{int(index):05d}-{slug(pkg.class_names[int(pkg.labels[int(index)])])}.png"


def selection_zip(
    pkg: ModelPackage,
    indices: Sequence[int],
    images: Callable[[np.ndarray], np.ndarray],
    limit: int = MAX_ZIP_IMAGES,
) -> bytes:
    """A ZIP of the first ``limit`` garments' pictures (``images(indices)`` gives them, uint8) and
    the CSV of every garment."""
    idx = np.asarray(list(indices), dtype=np.int64)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:  # PNGs are compressed already
        zf.writestr(CSV_NAME, selection_csv(pkg, idx.tolist()), compress_type=zipfile.ZIP_DEFLATED)
        shown = idx[:limit]
        for start in range(0, len(shown), 1000):  # a thousand pictures at a time
            chunk = shown[start : start + 1000]
            for i, image in zip(chunk, images(chunk), strict=True):
                zf.writestr(picture_name(pkg, int(i)), png_bytes(np.asarray(image)))
    return buf.getvalue()
