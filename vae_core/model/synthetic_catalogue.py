"""Realistic stand-ins for a designer's own colour catalogue, made on the fly for tests and
benchmarks of the image-folder training recipe.

* :func:`make_artwork_folder`: flat-colour garment artwork on white, the kind a design studio
  keeps: eight families (:data:`ARTWORK_CLASSES`) drawn as polygons with a dark outline, some
  striped or dotted, at varied sizes, positions and rotations; originals 32 to 160 px on a side,
  antialiased, written as ``DIR/CLASS/NAME.png``.
* :func:`make_tinted_fashion_mnist_folder`: Fashion-MNIST garments (read from the local IDX files)
  tinted with a random saturated colour and composited on white at 64 px, ``DIR/CLASS/NAME.png``.

Both are seeded (the same call writes the same bytes) and fast (about a millisecond an image).
:func:`red_garment` draws one red top for colour checks.
"""

from __future__ import annotations

import colorsys
import math
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ARTWORK_CLASSES = ("accessories", "bags", "dresses", "hats", "shoes", "swimwear", "tops", "trousers")
SUPERSAMPLE = 3  # drawn at 3x and box-filtered down: antialiased edges, as exported artwork has

Polygon = list[tuple[float, float]]


def _ellipse(cx: float, cy: float, rx: float, ry: float, a0: float = 0.0, a1: float = 360.0, n: int = 24) -> Polygon:
    """Points along an ellipse's arc from ``a0`` to ``a1`` degrees (y down, so 180..360 is the top)."""
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a))) for a in np.linspace(a0, a1, n)]


def _mirror(half: Polygon) -> Polygon:
    """A left-right symmetric outline from its left half (top to bottom, ending on the axis)."""
    return half + [(-x, y) for x, y in reversed(half)]


def _shapes(cls: str, rng: np.random.Generator) -> tuple[list[Polygon], list[Polygon]]:
    """One garment of class ``cls`` in unit coordinates (about [-1, 1]^2, y down): the parts
    filled with the main colour (and pattern) and the trim parts (soles, brims, buckles)."""
    u = rng.uniform
    if cls == "tops":
        sleeve = u(0.3, 0.9)  # short to long sleeves
        w = u(0.38, 0.5)
        return [
            _mirror(
                [
                    (-0.15, -0.75),
                    (-0.35, -0.82),
                    (-w - 0.45 * sleeve, -0.55 + 0.55 * sleeve),
                    (-w - 0.2 * sleeve, -0.4 + 0.65 * sleeve),
                    (-w, -0.25),
                    (-w, 0.85),
                ]
            )
        ], []
    if cls == "dresses":
        flare, waist = u(0.45, 0.85), u(-0.3, -0.05)
        return [
            _mirror(
                [(-0.12, -0.62), (-0.14, -0.92), (-0.26, -0.92), (-0.3, waist - 0.2), (-0.22, waist), (-flare, 0.9)]
            )
        ], []
    if cls == "trousers":
        w, hem, crotch = u(0.4, 0.55), u(0.5, 0.95), u(-0.35, 0.0)
        return [[(-w, -0.9), (w, -0.9), (w + 0.08, hem), (0.07, hem), (0.0, crotch), (-0.07, hem), (-w - 0.08, hem)]], [
            [(-w, -0.9), (w, -0.9), (w + 0.01, -0.75), (-w - 0.01, -0.75)]
        ]
    if cls == "shoes":
        top = u(-0.85, -0.35)  # low sneakers to ankle boots
        body = [(-0.92, 0.4), (0.9, 0.4), (0.9, top + 0.1), (0.55, top), (0.2, top), (0.1, -0.15), (-0.5, 0.0)]
        body += [(-0.9, 0.15)]
        return [body], [[(-0.95, 0.32), (0.93, 0.32), (0.93, 0.55), (-0.95, 0.55)]]
    if cls == "hats":
        if rng.random() < 0.5:  # a cap: crown and a peak
            return [_ellipse(0.0, 0.2, 0.62, 0.65, 180, 360)], [[(0.45, 0.2), (1.0, 0.22), (0.95, 0.36), (0.3, 0.3)]]
        crown = [(-0.42, 0.25), (-0.38, -0.45), (0.38, -0.45), (0.42, 0.25)]
        return [crown], [_ellipse(0.0, 0.3, u(0.75, 0.98), u(0.14, 0.22))]
    if cls == "bags":
        w, h = u(0.6, 0.85), u(0.5, 0.85)
        body = [(-w, -0.1), (w, -0.1), (w + 0.1, -0.1 + h), (-w - 0.1, -0.1 + h)]
        rx, ry = u(0.3, 0.5), u(0.45, 0.7)
        handle = _ellipse(0.0, -0.1, rx, ry, 180, 360, 16) + _ellipse(0.0, -0.1, rx - 0.1, ry - 0.1, 360, 180, 16)
        return [body], [handle]
    if cls == "swimwear":
        if rng.random() < 0.5:  # a bikini: two cups and a bottom
            cups = [[(-0.6, -0.15), (-0.08, -0.15), (-0.36, -0.7)], [(0.08, -0.15), (0.6, -0.15), (0.36, -0.7)]]
            return cups + [[(-0.55, 0.2), (0.55, 0.2), (0.14, 0.78), (-0.14, 0.78)]], []
        return [
            _mirror([(-0.14, -0.45), (-0.2, -0.92), (-0.3, -0.92), (-0.42, -0.15), (-0.36, 0.45), (-0.13, 0.85)])
        ], []
    kind = rng.integers(3)  # accessories: sunglasses, a belt, a tie
    if kind == 0:
        lenses = [_ellipse(-0.46, 0.0, 0.38, 0.3), _ellipse(0.46, 0.0, 0.38, 0.3)]
        return lenses, [[(-0.1, -0.08), (0.1, -0.08), (0.1, 0.0), (-0.1, 0.0)]]
    if kind == 1:
        return [[(-0.95, -0.14), (0.95, -0.14), (0.95, 0.14), (-0.95, 0.14)]], [
            [(-0.55, -0.24), (-0.3, -0.24), (-0.3, 0.24), (-0.55, 0.24)]
        ]
    return [[(-0.12, -0.9), (0.12, -0.9), (0.08, -0.68), (0.26, 0.6), (0.0, 0.92), (-0.26, 0.6), (-0.08, -0.68)]], []


def _colour(rng: np.random.Generator, hue: float | None = None) -> tuple[int, int, int]:
    """A flat design colour: mostly saturated, sometimes pastel or dark."""
    h = rng.random() if hue is None else hue
    s, v = rng.uniform(0.5, 1.0), rng.uniform(0.45, 1.0)
    return tuple(int(round(c * 255)) for c in colorsys.hsv_to_rgb(h, s, v))  # type: ignore[return-value]


def _place(parts: list[Polygon], centre: tuple[float, float], radius: tuple[float, float], angle: float) -> list:
    """Unit-coordinate polygons scaled by ``radius``, rotated by ``angle`` radians, moved to ``centre``."""
    c, s = math.cos(angle), math.sin(angle)
    cx, cy = centre
    rx, ry = radius
    return [[(cx + c * x * rx - s * y * ry, cy + s * x * rx + c * y * ry) for x, y in p] for p in parts]


PATTERNS = ("plain", "plain", "stripes", "dots")  # half the garments are plain


def _pattern(
    fill: tuple[int, int, int], size: tuple[int, int], place: dict, rng: np.random.Generator, r: float, kind: str
) -> Image.Image:
    """The main colour, plain, striped or dotted in a second colour, drawn in the garment's own
    frame (the stripes turn with it)."""
    layer = Image.new("RGB", size, fill)
    if kind == "plain":
        return layer
    second = (255, 255, 255) if rng.random() < 0.4 else _colour(rng)
    d = ImageDraw.Draw(layer)
    step = rng.uniform(0.18, 0.32)
    if kind == "stripes":
        half = step * rng.uniform(0.3, 0.5)
        for y in np.arange(-1.2, 1.2, step):
            d.polygon(_place([[(-1.5, y), (1.5, y), (1.5, y + half), (-1.5, y + half)]], **place)[0], fill=second)
    else:
        dot = step * rng.uniform(0.2, 0.35)
        rr = dot * r
        for row, y in enumerate(np.arange(-1.1, 1.1, step)):
            for x in np.arange(-1.1 + (row % 2) * step / 2, 1.1, step):  # staggered rows
                px, py = _place([[(x, y)]], **place)[0][0]
                d.ellipse([px - rr, py - rr, px + rr, py + rr], fill=second)
    return layer


def draw_artwork(
    cls: str,
    rng: np.random.Generator,
    width: int,
    height: int,
    fill: tuple[int, int, int] | None = None,
    pattern: str | None = None,
) -> Image.Image:
    """One garment of class ``cls`` on white, ``width`` x ``height`` px (see the module docstring).
    ``fill`` fixes the main colour and ``pattern`` ("plain", "stripes" or "dots") the pattern;
    by default both are random."""
    k = SUPERSAMPLE
    w, h = width * k, height * k
    r = min(w, h) / 2 * rng.uniform(0.72, 0.98)  # garment radius
    ax = rng.uniform(0.85, 1.15)  # a little wider or taller
    cx = w / 2 + rng.uniform(-1, 1) * max(0.0, w / 2 - r) * 0.9
    cy = h / 2 + rng.uniform(-1, 1) * max(0.0, h / 2 - r) * 0.9
    place = {"centre": (cx, cy), "radius": (r * ax, r / ax), "angle": math.radians(rng.uniform(-25, 25))}
    main, trim = _shapes(cls, rng)
    fill = tuple(fill) if fill is not None else _colour(rng)
    pattern = pattern or str(rng.choice(PATTERNS))
    outline = tuple(int(c * 0.25) for c in fill) if rng.random() < 0.5 else (25, 25, 30)
    trim_colour = (250, 250, 250) if rng.random() < 0.3 else _colour(rng)
    lw = max(k, int(round(min(w, h) * rng.uniform(0.012, 0.03))))

    canvas = Image.new("RGB", (w, h), (255, 255, 255))
    mask = Image.new("L", (w, h), 0)
    md = ImageDraw.Draw(mask)
    main_xy, trim_xy = _place(main, **place), _place(trim, **place)
    for poly in main_xy:
        md.polygon(poly, fill=255)
    canvas.paste(_pattern(fill, (w, h), place, rng, r, pattern), (0, 0), mask)
    d = ImageDraw.Draw(canvas)
    for poly in trim_xy:
        d.polygon(poly, fill=trim_colour, outline=outline, width=lw)
    for poly in main_xy:
        d.polygon(poly, outline=outline, width=lw)
    return canvas.reduce(k)


def make_artwork_folder(
    root: str | os.PathLike[str],
    per_class: int = 50,
    seed: int = 0,
    size_range: tuple[int, int] = (32, 160),
    classes: tuple[str, ...] = ARTWORK_CLASSES,
    palette: tuple[tuple[int, int, int], ...] | None = None,
    pattern: str | None = None,
) -> list[Path]:
    """Write ``per_class`` artworks of each class as ``root/CLASS/CLASS_NNNN.png``; returns the
    files written. Each original is 32 to 160 px on its longer side (``size_range``), of a
    random aspect between 3:4 and 4:3. ``palette`` limits the main colours to these (e.g. a
    small test folder), ``pattern`` fixes the pattern (see :func:`draw_artwork`)."""
    rng = np.random.default_rng(seed)
    written = []
    for cls in classes:
        folder = Path(root) / cls
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            side = int(rng.integers(size_range[0], size_range[1] + 1))
            aspect = rng.uniform(0.75, 1.0)
            w, h = (side, max(8, round(side * aspect))) if rng.random() < 0.5 else (max(8, round(side * aspect)), side)
            path = folder / f"{cls}_{i:04d}.png"
            fill = palette[int(rng.integers(len(palette)))] if palette else None
            draw_artwork(cls, rng, w, h, fill=fill, pattern=pattern).save(path, compress_level=1)
            written.append(path)
    return written


RED = (220, 30, 30)


def red_garment(size: int = 64, seed: int = 0, cls: str = "tops") -> np.ndarray:
    """A plain red garment (:data:`RED`) on white, (size, size, 3) uint8, for checking that a
    model keeps colour."""
    return np.asarray(draw_artwork(cls, np.random.default_rng(seed), size, size, fill=RED, pattern="plain"))


def tint_fashion_mnist(
    images: np.ndarray, rng: np.random.Generator, size: int = 64, garment_range: tuple[int, int] = (44, 64)
) -> np.ndarray:
    """Fashion-MNIST garments (N, 28, 28) uint8 as colour garments on white (N, size, size, 3).

    Each garment is resized to a random side in ``garment_range``, placed at a random position
    and tinted with a random saturated colour ``c``: a pixel of intensity ``i`` (0 background,
    1 brightest) becomes ``white * (1 - a) + c * (0.35 + 0.65 i) * a`` with opacity
    ``a = min(1, 3 i)``, so the garment's texture survives as shading.
    """
    out = np.empty((len(images), size, size, 3), dtype=np.uint8)
    for n, img in enumerate(images):
        side = int(rng.integers(garment_range[0], garment_range[1] + 1))
        g = np.asarray(Image.fromarray(img).resize((side, side), Image.Resampling.BILINEAR), dtype=np.float32) / 255
        canvas = np.zeros((size, size), dtype=np.float32)
        top, left = (int(rng.integers(0, size - side + 1)) for _ in range(2))
        canvas[top : top + side, left : left + side] = g
        colour = np.array(colorsys.hsv_to_rgb(rng.random(), rng.uniform(0.6, 1.0), rng.uniform(0.5, 1.0)))
        a = np.minimum(1.0, 3.0 * canvas)[..., None]
        rgb = 255.0 * (1 - a) + 255.0 * colour * (0.35 + 0.65 * canvas[..., None]) * a
        out[n] = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    return out


def make_tinted_fashion_mnist_folder(
    root: str | os.PathLike[str],
    per_class: int = 50,
    seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
    size: int = 64,
) -> list[Path]:
    """Write ``per_class`` tinted Fashion-MNIST garments (:func:`tint_fashion_mnist`) of each of
    the ten classes as ``root/CLASS/CLASS_NNNN.png``, from the first training images of each
    class (``data_dir`` or ``$LATENT_ATELIER_DATA_DIR``; never downloaded)."""
    from .data import CLASS_NAMES, load_split

    split = load_split("train", data_dir, allow_download=False)
    rng = np.random.default_rng(seed)
    written = []
    for label, name in enumerate(CLASS_NAMES):
        cls = name.replace("/", "-").replace(" ", "-").lower()
        folder = Path(root) / cls
        folder.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(split.labels == label)[:per_class]
        for i, rgb in enumerate(tint_fashion_mnist(split.images[rows], rng, size)):
            path = folder / f"{cls}_{i:04d}.png"
            Image.fromarray(rgb).save(path, compress_level=1)
            written.append(path)
    return written
