"""A board on paper and in a file: the labelled contact sheet (PNG), the board ZIP, and reading
such a ZIP back. No streamlit here.

The ZIP holds ``manifest.json`` (the board's name and every item: name, note, z, the package's
identity, lineage, when it was made, and its picture's file), ``contact-sheet.png`` and one PNG
per item (``items/001-long-coat.png``, the garment upscaled without blur). Importing reads the
manifest only: z is the garment, the pictures are for people. An import is checked before
anything is saved (size, member names, format, every item's values, z's length against its
package when that package is on this server) and is then saved in one transaction.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from store import InvalidValue, Item, ItemDraft, PackageIdentity
from store import values as checks
from vae_core import InputError
from vae_core.images import png_bytes, to_uint8

FORMAT = "latent-atelier-board"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SHEET = "contact-sheet.png"
ITEM_SCALE = 8  # item PNGs: 28 px garments become 224 px
MAX_ZIP_BYTES = 64 * 2**20
MAX_ITEMS = 2000
MAX_MEMBERS = MAX_ITEMS + 10
MAX_MANIFEST_BYTES = 16 * 2**20
SHEET_MAX_ITEMS = 300  # the contact sheet shows the first ones (the ZIP holds every item)
TILE = 112  # contact sheet: each garment fits a TILE x TILE box
MAX_PROBLEMS = 8  # problems listed when an import is refused


@dataclass(frozen=True)
class Picture:
    """A board item with its decoded garment (uint8 (S, S) or (S, S, 3); None when its package
    is not available) and the name of the package shown beside it."""

    item: Item
    image: np.ndarray | None


@dataclass(frozen=True)
class ImportedBoard:
    """A checked board ZIP: its board's ``name``, the items as drafts, and the names of the
    packages its items need that this server does not have."""

    name: str
    drafts: list[ItemDraft]
    missing_packages: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------ contact sheet
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow < 10.1 or without FreeType: the bitmap font
        return ImageFont.load_default()


def _fit(text: str, font, width: int, draw: ImageDraw.ImageDraw) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _tile_image(image: np.ndarray | None) -> Image.Image:
    """A garment scaled without blur to fit TILE x TILE, centred on white; grey with a cross when missing."""
    box = Image.new("RGB", (TILE, TILE), (255, 255, 255))
    if image is None:
        draw = ImageDraw.Draw(box)
        draw.rectangle((0, 0, TILE - 1, TILE - 1), fill=(225, 225, 225), outline=(160, 160, 160))
        draw.line((0, 0, TILE - 1, TILE - 1), fill=(160, 160, 160))
        draw.line((0, TILE - 1, TILE - 1, 0), fill=(160, 160, 160))
        return box
    arr = to_uint8(image)
    pic = Image.fromarray(arr, mode="L" if arr.ndim == 2 else "RGB").convert("RGB")
    scale = max(1, TILE // max(pic.size))
    pic = pic.resize((pic.width * scale, pic.height * scale), Image.Resampling.NEAREST)
    if max(pic.size) > TILE:
        pic.thumbnail((TILE, TILE), Image.Resampling.LANCZOS)
    box.paste(pic, ((TILE - pic.width) // 2, (TILE - pic.height) // 2))
    return box


def contact_sheet(board_name: str, pictures: Sequence[Picture], columns: int = 6) -> bytes:
    """A PNG: the board's name, then each garment with its name and its package below it (the
    first SHEET_MAX_ITEMS; a missing package's garment is a crossed grey box)."""
    shown = list(pictures[:SHEET_MAX_ITEMS])
    columns = max(1, min(columns, len(shown) or 1))
    pad, label_h, title_h, cell_w = 12, 40, 44, TILE + 48
    rows = max(1, -(-len(shown) // columns))
    width = pad + columns * (cell_w + pad)
    sheet = Image.new("RGB", (width, title_h + rows * (TILE + label_h + pad) + pad), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    title_font, name_font, small_font = _font(20), _font(13), _font(11)
    more = f" (the first {len(shown)} of {len(pictures)})" if len(pictures) > len(shown) else ""
    title = f"{board_name} · {len(pictures)} garment{'s' if len(pictures) != 1 else ''}{more}"
    draw.text((pad, 12), _fit(title, title_font, width - 2 * pad, draw), fill=(20, 20, 20), font=title_font)
    for n, pic in enumerate(shown):
        x = pad + (n % columns) * (cell_w + pad)
        y = title_h + (n // columns) * (TILE + label_h + pad)
        sheet.paste(_tile_image(pic.image), (x + (cell_w - TILE) // 2, y))
        name = _fit(pic.item.name, name_font, cell_w, draw)
        draw.text((x, y + TILE + 4), name, fill=(20, 20, 20), font=name_font)
        package = pic.item.package.name + ("" if pic.image is not None else " (not available)")
        draw.text((x, y + TILE + 22), _fit(package, small_font, cell_w, draw), fill=(110, 110, 110), font=small_font)
    buf = io.BytesIO()
    sheet.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# ------------------------------------------------------------------------------ export
def slug(text: str) -> str:
    """``text`` as a short file-name part: "Long coat!" -> "long-coat"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "garment"


def _entry(item: Item, file: str | None) -> dict[str, Any]:
    return {
        "name": item.name,
        "note": item.note,
        "z": list(item.z),
        "package": item.package.to_dict(),
        "lineage": item.lineage,
        "created": item.created.isoformat(),
        "file": file,
    }


def board_zip(board_name: str, pictures: Sequence[Picture]) -> bytes:
    """The board as a ZIP (see the module docstring)."""
    entries, buf = [], io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, pic in enumerate(pictures, start=1):
            file = None
            if pic.image is not None:
                file = f"items/{n:03d}-{slug(pic.item.name)}.png"
                zf.writestr(file, png_bytes(pic.image, scale=ITEM_SCALE))
            entries.append(_entry(pic.item, file))
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "board": {"name": board_name},
            "exported_at": datetime.now(timezone.utc).isoformat(),
            "items": entries,
        }
        zf.writestr(MANIFEST, json.dumps(manifest, indent=1, allow_nan=False) + "\n")
        zf.writestr(SHEET, contact_sheet(board_name, pictures))
    return buf.getvalue()


# ------------------------------------------------------------------------------ import
def _refuse(problem: str) -> InputError:
    return InputError(f"This file cannot be imported: {problem}")


def _safe_member(name: str) -> bool:
    """A ZIP member name that stays inside the archive's folder (no absolute path, no "..",
    no backslash or drive letter, no control characters)."""
    path = PurePosixPath(name)
    return (
        bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and ".." not in path.parts
        and not re.match(r"^[A-Za-z]:", name)
        and not any(ord(c) < 32 for c in name)
    )


def _read_manifest(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_ZIP_BYTES:
        raise _refuse(f"it is {len(data) / 2**20:.1f} MiB; a board ZIP may be at most {MAX_ZIP_BYTES // 2**20} MiB.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse("it is not a ZIP file. Choose a ZIP that the Board page exported.") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise _refuse(f"it holds {len(infos):,} files; a board ZIP holds at most {MAX_MEMBERS:,}.")
        unsafe = [i.filename for i in infos if not _safe_member(i.filename)]
        if unsafe:
            raise _refuse(f"it holds a file outside its own folder ({unsafe[0][:80]!r}).")
        info = next((i for i in infos if i.filename == MANIFEST), None)
        if info is None:
            raise _refuse(f"it has no {MANIFEST}: it is not a board exported by Latent Atelier.")
        if info.file_size > MAX_MANIFEST_BYTES:
            size = f"{info.file_size / 2**20:.1f} MiB"
            raise _refuse(f"its {MANIFEST} is {size} (at most {MAX_MANIFEST_BYTES // 2**20} MiB).")
        try:
            with zf.open(info) as fh:
                raw = fh.read(MAX_MANIFEST_BYTES + 1)  # never more, whatever the header claims
        except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, NotImplementedError) as exc:
            raise _refuse(f"its {MANIFEST} cannot be read ({exc}).") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _refuse(f"its {MANIFEST} is larger than {MAX_MANIFEST_BYTES // 2**20} MiB.")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _refuse(f"its {MANIFEST} is not valid JSON ({str(exc)[:100]}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(f"its {MANIFEST} is not a Latent Atelier board's.")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _refuse(f"it is in board format {version!r}; this app reads up to {FORMAT_VERSION}. Update the app.")
    return manifest


def _identity(value: Any) -> PackageIdentity:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise InvalidValue("its package is not named.")
    content, data = value.get("content", ""), value.get("data", "")
    if not all(isinstance(p, str) and len(p) <= 128 for p in (content, data)):
        raise InvalidValue("its package's fingerprints are not valid.")
    return PackageIdentity(checks.name(value["name"], "package's name"), content, data)


def _draft(entry: Any, latent_dim_of: Callable[[PackageIdentity], int | None]) -> ItemDraft:
    if not isinstance(entry, dict):
        raise InvalidValue("it is not an object.")
    for key, kind in (("name", str), ("note", str), ("z", list), ("lineage", dict)):
        if not isinstance(entry.get(key, "" if key == "note" else None), kind):
            raise InvalidValue(f"its {key} is missing or not a {kind.__name__}.")
    package = _identity(entry.get("package"))
    z = checks.vector(entry["z"], dim=latent_dim_of(package))
    return ItemDraft(
        checks.name(entry["name"], "name", default="Untitled"),
        z,
        package,
        checks.note(entry.get("note", "")),
        checks.document(entry["lineage"], "lineage"),
    )


def read_board_zip(data: bytes, latent_dim_of: Callable[[PackageIdentity], int | None]) -> ImportedBoard:
    """The board in a ZIP that :func:`board_zip` wrote, every item checked; raises InputError
    with every problem found (up to MAX_PROBLEMS) and saves nothing.

    ``latent_dim_of(identity)`` gives the latent size of a package this server has (None when it
    has not: such items are kept, with their package's name in ``missing_packages``)."""
    manifest = _read_manifest(data)
    entries = manifest.get("items")
    if not isinstance(entries, list):
        raise _refuse(f"its {MANIFEST} lists no items.")
    if len(entries) > MAX_ITEMS:
        raise _refuse(f"it holds {len(entries):,} items; at most {MAX_ITEMS:,} are imported at once.")
    board = manifest.get("board") if isinstance(manifest.get("board"), dict) else {}
    try:
        name = checks.name(str(board.get("name") or ""), "board's name", default="Imported board")
    except InvalidValue:
        name = "Imported board"
    drafts, problems = [], []
    for n, entry in enumerate(entries, start=1):
        try:
            drafts.append(_draft(entry, latent_dim_of))
        except InvalidValue as exc:
            label = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else ""
            problems.append(f"item {n}{f' ({label[:40]!r})' if label else ''}: {str(exc)[0].lower()}{str(exc)[1:]}")
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise _refuse("; ".join(problems[:MAX_PROBLEMS]) + more + ". Nothing was imported.")
    missing = sorted({d.package.name for d in drafts if latent_dim_of(d.package) is None})
    return ImportedBoard(name, drafts, missing)
