"""Pictures and films of garments for people: labelled sheets, smooth enlargement, GIF and video.

Enlargement. A garment is decoded once, at the model's size (28, 32 or 64 px), and enlarged with
Lanczos (``PIL.Image.Resampling.LANCZOS``: a windowed sinc over three lobes), the filter image
editors use for big enlargements: at 512 and 1024 px a garment has soft, round edges, where pixel
repetition would give blocks of uneven size (1024 / 28 is not whole) and a bilinear filter a blur.
The screen's own small pictures stay pixel-exact (:func:`vae_core.images.upscale`).

Films. :func:`walk_film` renders a walk from A to B (linear or spherical) at many more steps than
the page's frames (``fps`` per second, so the morph is smooth), optionally there and back,
with labels (A and B, t, the nearest training garment); :func:`gif_bytes` and :func:`video_bytes`
encode frames. Video is encoded in-process by PyAV, whose wheels bundle FFmpeg with libx264
(MP4, H.264) and libvpx (WebM, VP9): nothing is downloaded or run outside the process. Encoding
reports its progress per frame, and writes into memory only.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .errors import InputError
from .images import to_uint8
from .latent.interpolation import interpolate

if TYPE_CHECKING:
    from .package.format import ModelPackage

Progress = Callable[[str, int, int, dict[str, float]], None]
SIZES = (512, 1024)  # the film sizes the app offers
VIDEO_FORMATS = {"mp4": ("libx264", "mp4"), "webm": ("libvpx-vp9", "webm")}  # format: (codec, container)
MIME = {"gif": "image/gif", "mp4": "video/mp4", "webm": "video/webm"}


def _quiet(stage: str, done: int, total: int, info: dict[str, float]) -> None:
    """The default progress callback: report nothing."""


# ------------------------------------------------------------------------------- enlargement
def enlarge(images: np.ndarray, size: int) -> np.ndarray:
    """(M, h, w[, 3]) garments -> (M, size, size[, 3]) uint8, each enlarged with Lanczos."""
    imgs = to_uint8(np.asarray(images))
    if imgs.ndim not in (3, 4) or (imgs.ndim == 4 and imgs.shape[-1] != 3):
        raise InputError(f"enlarge needs an (M, h, w) or (M, h, w, 3) stack; got shape {imgs.shape}.")
    mode = "RGB" if imgs.ndim == 4 else "L"
    out = [np.asarray(Image.fromarray(img, mode=mode).resize((size, size), Image.Resampling.LANCZOS)) for img in imgs]
    return np.stack(out)


# ------------------------------------------------------------------------------------- labels
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's bundled sans-serif font at ``size`` px (no font file is needed)."""
    return ImageFont.load_default(size=size)


def _rgb(image: np.ndarray) -> Image.Image:
    arr = to_uint8(np.asarray(image))
    return Image.fromarray(arr, mode="L").convert("RGB") if arr.ndim == 2 else Image.fromarray(arr, mode="RGB")


def label_frame(image: np.ndarray, corners: dict[str, str], scale: float = 1.0) -> np.ndarray:
    """(H, W[, 3]) -> (H, W, 3) uint8 with texts in the corners (``corners`` keys "tl", "tr",
    "bl", "br"), white on a translucent dark box, sized for the picture (``scale`` x H / 24)."""
    pic = _rgb(image)
    h, w = pic.height, pic.width
    f = font(max(10, int(round(h / 24 * scale))))
    pad = max(3, h // 100)
    draw = ImageDraw.Draw(pic, "RGBA")  # (RGBA fills blend into the RGB picture)
    for corner, text in corners.items():
        if not text:
            continue
        left, top, right, bottom = draw.textbbox((0, 0), text, font=f)
        tw, th = right - left, bottom - top
        x = pad * 2 if corner[1] == "l" else w - tw - pad * 3
        y = pad * 2 if corner[0] == "t" else h - th - pad * 3
        draw.rounded_rectangle((x - pad, y - pad, x + tw + pad, y + th + pad), radius=pad, fill=(0, 0, 0, 150))
        draw.text((x - left, y - top), text, font=f, fill=(255, 255, 255, 255))
    return np.asarray(pic)


def labelled_sheet(
    rows: Sequence[np.ndarray],
    row_labels: Sequence[str] = (),
    col_labels: Sequence[str] = (),
    cell_labels: Sequence[Sequence[str]] = (),
    title: str = "",
    scale: int = 4,
    pad: int = 3,
) -> np.ndarray:
    """A white sheet of garment rows with text: a title, a label left of each row, one above each
    column and one under each cell (every text optional). ``rows[r]`` is (M_r, h, w[, 3]); each
    garment is enlarged ``scale`` times by pixel repetition (pixel-exact). Returns (H, W, 3) uint8."""
    if not rows:
        raise InputError("Nothing to draw: the sheet has no rows.")
    imgs = [to_uint8(np.asarray(r)) for r in rows]
    h, w = imgs[0].shape[1] * scale, imgs[0].shape[2] * scale
    f = font(max(11, h // 7))
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))

    def width(text: str) -> int:
        return int(probe.textlength(text, font=f)) if text else 0

    line = int(f.size * 1.3)
    gap = pad * scale
    left = max((width(t) for t in row_labels), default=0)
    left = left + 2 * gap if left else gap
    top = (line + gap if title else 0) + (line if col_labels else 0) + gap
    under = line if cell_labels else 0
    cols = max(len(r) for r in imgs)
    cell_w = max([w] + [width(t) + gap for row in cell_labels for t in row])
    sheet_w = left + cols * (cell_w + gap)
    sheet_h = top + len(imgs) * (h + under + gap)
    sheet = Image.new("RGB", (sheet_w, sheet_h), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((gap, gap), title, font=f, fill="black")
    for c, text in enumerate(col_labels):
        x = left + c * (cell_w + gap) + (cell_w - width(text)) // 2
        draw.text((x, top - line - gap // 2), text, font=f, fill="black")
    for r, row in enumerate(imgs):
        y = top + r * (h + under + gap)
        if r < len(row_labels):
            draw.text((gap, y + (h - line) // 2), row_labels[r], font=f, fill="black")
        for c, img in enumerate(row):
            x = left + c * (cell_w + gap)
            sheet.paste(_rgb(np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)), (x + (cell_w - w) // 2, y))
            if r < len(cell_labels) and c < len(cell_labels[r]):
                text = cell_labels[r][c]
                draw.text((x + (cell_w - width(text)) // 2, y + h + 2), text, font=f, fill=(70, 70, 70))
    return np.asarray(sheet)


def png(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W[, 3]) uint8 image."""
    buf = io.BytesIO()
    _rgb(image).save(buf, format="PNG")
    return buf.getvalue()


# -------------------------------------------------------------------------------------- films
@dataclass(frozen=True)
class FilmLabels:
    """Which labels a film carries: the names of A and B, t, the nearest training garment."""

    ends: bool = True
    t: bool = True
    nearest: bool = True


def film_times(frames: int, pingpong: bool) -> np.ndarray:
    """t of each film frame: ``frames`` steps from 0 to 1, then (ping-pong) back without
    repeating either end, so a looping film has no jump and no stutter."""
    t = np.linspace(0.0, 1.0, max(int(frames), 2))
    return np.concatenate([t, t[-2:0:-1]]) if pingpong else t


def walk_film(
    pkg: ModelPackage,
    a: np.ndarray,
    b: np.ndarray,
    *,
    method: str = "linear",
    size: int = 512,
    seconds: float = 3.0,
    fps: int = 25,
    pingpong: bool = True,
    labels: FilmLabels | None = FilmLabels(),
    names: tuple[str, str] = ("A", "B"),
    progress: Progress = _quiet,
) -> tuple[np.ndarray, int]:
    """The frames of a film of the walk from ``a`` to ``b``: (F, size, size, 3) uint8 and its fps.

    ``seconds`` x ``fps`` steps from A to B (ping-pong: and back), decoded in one batch at the
    model's size and enlarged with Lanczos; labels in the corners: "from A to B" (top left), t
    (bottom left) and the nearest training garment by log q(z|x) (bottom right)."""
    if size < 16 or size > 4096:
        raise InputError(f"A film's size must be between 16 and 4096 pixels; got {size}.")
    n = int(round(seconds * fps))
    if not 2 <= n <= 2000:
        raise InputError(f"A film needs between 2 and 2,000 steps from A to B; got {n}.")
    t = film_times(n, pingpong)
    z = interpolate(np.asarray(a, np.float64), np.asarray(b, np.float64), t, method)  # (F, d)
    progress("decode", 0, len(t), {})
    small = pkg.decode(z.astype(np.float32))
    big = enlarge(small, size)
    nearest = None
    if labels is not None and labels.nearest:
        nearest = [int(pkg.rank(zi, 1).indices[0]) for zi in z]
    out = np.empty((len(t), size, size, 3), np.uint8)
    for i, frame in enumerate(big):
        corners: dict[str, str] = {}
        if labels is not None and labels.ends:
            corners["tl"] = f"from {names[0]} to {names[1]}"  # (the bundled font has no arrow)
        if labels is not None and labels.t:
            corners["bl"] = f"t = {t[i]:.2f}"
        if nearest is not None:
            corners["br"] = f"nearest #{nearest[i]} {pkg.class_names[int(pkg.labels[nearest[i]])]}"
        out[i] = label_frame(frame, corners) if corners else _rgb_array(frame)
        progress("render", i + 1, len(t), {})
    return out, fps


def _rgb_array(frame: np.ndarray) -> np.ndarray:
    return np.asarray(_rgb(frame))


def gif_bytes(frames: np.ndarray, fps: int, progress: Progress = _quiet) -> bytes:
    """An endlessly looping GIF of (F, H, W, 3) uint8 frames at ``fps`` (GIF timing is in
    hundredths of a second: 15 fps plays at 14.3). A grey film is stored with 64 grey levels
    (at 1024 px 128 kB a frame instead of 285; no banding shows on a garment)."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0:
        raise InputError(f"A GIF needs (F, H, W, 3) frames; got shape {frames.shape}.")
    grey = bool(np.all(frames[..., 0] == frames[..., 1]) and np.all(frames[..., 1] == frames[..., 2]))
    pics = []
    for i, f in enumerate(frames):
        if grey:  # (labels are white on dark grey, so a grey film stays grey) 64 levels: half the bytes
            level = np.round(f[..., 0].astype(np.float32) * (63 / 255)) * (255 / 63)
            pics.append(Image.fromarray(level.astype(np.uint8), mode="L"))
        else:
            pics.append(Image.fromarray(f, mode="RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT))
        progress("encode", i + 1, len(frames), {})
    buf = io.BytesIO()
    duration = max(20, int(round(1000 / fps / 10)) * 10)
    pics[0].save(buf, format="GIF", save_all=True, append_images=pics[1:], duration=duration, loop=0, disposal=1)
    return buf.getvalue()


def video_bytes(frames: np.ndarray, fps: int, fmt: str = "mp4", progress: Progress = _quiet) -> bytes:
    """(F, H, W, 3) uint8 frames as an MP4 (H.264, yuv420p, plays everywhere) or a WebM (VP9)
    file, encoded in memory by PyAV. H and W must be even."""
    import av  # (a runtime requirement; imported here so the rest of vae_core does not need it)

    if fmt not in VIDEO_FORMATS:
        raise InputError(f"Unknown video format {fmt!r}: use one of {', '.join(VIDEO_FORMATS)}.")
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or len(frames) == 0 or frames.shape[1] % 2 or frames.shape[2] % 2:
        raise InputError(f"A video needs (F, H, W, 3) frames of even size; got shape {frames.shape}.")
    codec, container = VIDEO_FORMATS[fmt]
    buf = io.BytesIO()
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=int(fps))
        stream.width, stream.height = int(frames.shape[2]), int(frames.shape[1])
        stream.pix_fmt = "yuv420p"
        # quality-bound, and fast enough for a server's few cores (1024 px, 180 frames: seconds)
        stream.options = (
            {"crf": "20", "preset": "veryfast"}
            if codec == "libx264"
            else {"crf": "30", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
        )
        for i, f in enumerate(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                out.mux(packet)
            progress("encode", i + 1, len(frames), {})
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
