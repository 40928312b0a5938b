"""Hostile input: crafted packages, command lines, uploads, links and names.

Every case must end in one clear message (an ``error:`` line with status 2 on the command line,
a ``PackageError``/``InputError`` in the library, an ``st.error``/``st.warning`` on a page) and
never in a traceback. The crafted packages are intact (checksums re-signed) but say something
wrong, as a build bug, a hand edit or a crafted file would.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import load_file, save_file
from safetensors.torch import load_file as load_tensors
from safetensors.torch import save_file as save_tensors

from vae_core import InputError, ModelPackage, PackageError
from vae_core.cli.main import main
from vae_core.package.format import ARRAY_FILES, CHECKSUMS, MANIFEST, sha256_file
from vae_core.upload import MAX_PIXELS, prepare_image

ZERO = ",".join(["0"] * 10)


# ------------------------------------------------------------------------------ crafting
def resign(root: Path) -> None:
    """Make the checksums (and the manifest's file sums, if it has them) match the files again."""
    text = (root / MANIFEST).read_text()
    try:
        manifest = json.loads(text)
    except (ValueError, RecursionError):
        manifest = None
    names = [*ARRAY_FILES, *sorted(f.name for f in root.iterdir() if f.name not in (MANIFEST, CHECKSUMS, *ARRAY_FILES))]
    if isinstance(manifest, dict) and isinstance(manifest.get("files"), dict):
        for name in names:
            manifest["files"][name] = {"sha256": sha256_file(root / name), "bytes": (root / name).stat().st_size}
        (root / MANIFEST).write_text(json.dumps(manifest))
    sums = "".join(f"{sha256_file(root / n)}  {n}\n" for n in (MANIFEST, *names))
    (root / CHECKSUMS).write_text(sums)


def edit_manifest(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        manifest = json.loads((root / MANIFEST).read_text())
        out = change(manifest)
        (root / MANIFEST).write_text(json.dumps(manifest if out is None else out))

    return craft


def edit_arrays(file: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        arrays = dict(load_file(str(root / file)))
        change(arrays)
        save_file(arrays, str(root / file))

    return craft


def edit_weights(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        tensors = dict(load_tensors(str(root / "weights.safetensors")))
        change(tensors)
        save_tensors(tensors, str(root / "weights.safetensors"))

    return craft


def _set(d: dict, key: str, value: object) -> None:
    d[key] = value


def _drop(d: dict, key: str) -> None:
    del d[key]


def _nan_at(arrays: dict, name: str, value: float = np.nan) -> None:
    arr = arrays[name].copy()
    arr.flat[3] = value
    arrays[name] = arr


def _deep_json(root: Path) -> None:
    (root / MANIFEST).write_text("[" * 100_000 + "]" * 100_000)


PACKAGES = {  # case -> (craft, what the message must say)
    "manifest is a list": (edit_manifest(lambda m: [m]), "must be a JSON object"),
    "manifest nested 100,000 deep": (_deep_json, "not valid JSON"),
    "model_config a string": (
        edit_manifest(lambda m: _set(m, "model_config", "big")),
        "'model_config' must be an object",
    ),
    "mu 600 x 9": (
        edit_arrays("latents.safetensors", lambda a: _set(a, "mu", a["mu"][:, :9].copy())),
        "mu has shape (600, 9)",
    ),
    "labels shorter than the means": (
        edit_arrays("latents.safetensors", lambda a: _set(a, "labels", a["labels"][:500].copy())),
        "labels has shape (500,)",
    ),
    "fewer class names than labels": (
        edit_manifest(lambda m: _set(m, "class_names", m["class_names"][:5])),
        "names only 5 classes",
    ),
    "NaN mean": (edit_arrays("latents.safetensors", lambda a: _nan_at(a, "mu")), "mu holds NaN"),
    "infinite logvar": (edit_arrays("latents.safetensors", lambda a: _nan_at(a, "logvar", np.inf)), "logvar holds NaN"),
    "logvar of 1e4": (edit_arrays("latents.safetensors", lambda a: _nan_at(a, "logvar", 1e4)), "|logvar|"),
    "mu as float64": (
        edit_arrays("latents.safetensors", lambda a: _set(a, "mu", a["mu"].astype(np.float64))),
        "mu is float64; expected float32",
    ),
    "labels as int64": (
        edit_arrays("latents.safetensors", lambda a: _set(a, "labels", a["labels"].astype(np.int64))),
        "labels is int64",
    ),
    "an unexpected array": (
        edit_arrays("maps.safetensors", lambda a: _set(a, "payload", np.zeros(3))),
        "unexpected array 'payload'",
    ),
    "no typicality reference": (
        edit_arrays("maps.safetensors", lambda a: _drop(a, "typicality_ref")),
        "no array 'typicality_ref'",
    ),
    "empty typicality reference": (
        edit_arrays("maps.safetensors", lambda a: _set(a, "typicality_ref", np.zeros(0))),
        "typicality_ref is empty",
    ),
    "unsorted typicality reference": (
        edit_arrays("maps.safetensors", lambda a: _set(a, "typicality_ref", a["typicality_ref"][::-1].copy())),
        "not sorted",
    ),
    "t-SNE map of 3 columns": (
        edit_arrays("maps.safetensors", lambda a: _set(a, "tsne_xy", np.zeros((600, 3), np.float32))),
        "tsne_xy has shape (600, 3)",
    ),
    "PCA components 10 x 9": (
        edit_arrays("maps.safetensors", lambda a: _set(a, "pca_components", a["pca_components"][:, :9].copy())),
        "pca_components has shape (10, 9)",
    ),
    "n_items disagrees": (
        edit_manifest(lambda m: _set(m, "n_items", 601)),
        "mu has shape (600, 10); expected (N, d) = (601, 10)",
    ),
    "latent_dim 0": (
        edit_manifest(lambda m: m["model_config"].update(latent_dim=0)),
        "latent_dim must be a whole number",
    ),
    "hidden of a billion": (edit_manifest(lambda m: m["model_config"].update(hidden=10**9)), "hidden must be"),
    "batch_norm 'yes'": (
        edit_manifest(lambda m: m["model_config"].update(batch_norm="yes")),
        "batch_norm must be true or false",
    ),
    "batch size 0 in train_config": (
        edit_manifest(lambda m: m["train_config"].update(batch_size=0)),
        "batch_size must be",
    ),
    "duplicate class names": (
        edit_manifest(lambda m: _set(m, "class_names", ["A"] * len(m["class_names"]))),
        "the same name twice",
    ),
    "a class name that is a number": (edit_manifest(lambda m: m["class_names"].__setitem__(2, 7)), "entry 2 must be"),
    "a metric that is text": (
        edit_manifest(lambda m: m["metrics"].update(knn5_accuracy="high")),
        "must be a finite number",
    ),
    "history an object": (edit_manifest(lambda m: _set(m, "history", {"epoch": 1})), "'history' must be a list"),
    "no files table": (edit_manifest(lambda m: _drop(m, "files")), "has no 'files'"),
    "another format": (edit_manifest(lambda m: _set(m, "format", "zip-bomb")), "not 'latent-atelier-model-package'"),
    "NaN weight": (
        edit_weights(lambda t: t["decoder.0.weight"].view(-1).__setitem__(0, float("nan"))),
        "decoder.0.weight holds NaN",
    ),
    "weights of another shape": (
        edit_weights(lambda t: _set(t, "decoder.0.weight", t["decoder.0.weight"][:32].clone())),
        "the model config needs",
    ),
}


@pytest.fixture(params=list(PACKAGES), ids=list(PACKAGES))
def crafted(request, tiny_package_copy: Path) -> tuple[Path, str]:
    craft, message = PACKAGES[request.param]
    craft(tiny_package_copy)
    resign(tiny_package_copy)
    return tiny_package_copy, message


def test_crafted_package_is_refused_by_load_info_and_rank(crafted, capsys):
    root, message = crafted
    with pytest.raises(PackageError, match="python -m vae_core build") as caught:
        ModelPackage.load(root)
    assert message in str(caught.value)
    assert str(root.parent) not in str(caught.value)  # no absolute path of the server
    for argv in (["info"], ["info", "--json"], ["rank", "--z", ZERO, "--json"]):
        assert main([argv[0], "--package", str(root), *argv[1:]]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("error: Model package ") and captured.err.count("\n") == 1
        assert message in captured.err and "Traceback" not in captured.err


# ------------------------------------------------------------------------------ command lines
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--batch-size", "0"], "--batch-size must be a whole number from 1"),
        (["train", "--batch-size", "-1"], "--batch-size must be"),
        (["train", "--widths", "0", "0"], "--widths must be a whole number from 1"),
        (["train", "--hidden", "-1"], "--hidden must be"),
        (["train", "--epochs", "-1"], "--epochs must be a whole number from 1"),
        (["train", "--epochs", "0"], "--epochs must be"),
        (["train", "--limit=-5"], "--limit must be a whole number of at least 0"),
        (["train", "--latent-dim", "0"], "--latent-dim must be"),
        (["train", "--lr", "nan"], "--lr must be a number"),
        (["train", "--kl-warmup=-inf"], "--kl-warmup must be"),
        (["eval", "--queries", "0"], "--queries must be at least 1"),
        (["eval", "--k", "0"], "--k must be at least 1"),
        (["eval", "--k", "-3"], "--k must be at least 1"),
        (["rank", "--z", "1e200," + ",".join(["0"] * 9), "--json"], "scores overflow"),
        (["rank", "--z", "1e200," + ",".join(["0"] * 9), "--euclidean", "--json"], "scores overflow"),
        (["rank", "--z=-1e160," + ",".join(["0"] * 9)], "scores overflow"),
    ],
)
def test_bad_options_are_refused(tiny_package_dir, tmp_path, capsys, argv, message):
    extra = ["--out", str(tmp_path / "pkg")] if argv[0] == "train" else ["--package", str(tiny_package_dir)]
    assert main([argv[0], *extra, *argv[1:]]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # never a half answer, never invalid JSON
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert message in captured.err
    assert not (tmp_path / "pkg").exists() and list(tmp_path.iterdir()) == []  # refused before any work


def test_train_into_a_missing_folder_stops_before_training(tmp_path, capsys, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr("vae_core.model.data.load_split", no_training)
    assert main(["train", "--out", str(tmp_path / "missing" / "pkg"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err == "error: Cannot write pkg: the folder missing does not exist; create it first.\n"


def test_train_into_a_file_or_a_folder_of_other_things_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep me")
    assert main(["train", "--out", str(tmp_path / "notes.txt")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"x")
    assert main(["train", "--out", str(tmp_path / "photos")]) == 2
    assert "does not hold a model package" in capsys.readouterr().err
    assert (tmp_path / "photos" / "cat.jpg").read_bytes() == b"x" and (tmp_path / "notes.txt").read_text() == "keep me"


def test_a_damaged_checkpoint_says_how_to_start_over(tmp_path, small_splits, capsys, monkeypatch):
    from vae_core.model.data import Split

    tr, te = small_splits
    monkeypatch.setattr(
        "vae_core.model.data.load_split", lambda split, data=None: Split(tr.images[:64], tr.labels[:64])
    )
    (tmp_path / ".pkg.ckpt").write_bytes(b"PK\x03\x04 not a checkpoint at all")  # train.checkpoint_path
    assert main(["train", "--out", str(tmp_path / "pkg"), "--epochs", "1", "--widths", "4", "8", "--hidden", "16"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: The training checkpoint .pkg.ckpt is damaged") and err.count("\n") == 1
    assert "--no-resume" in err and "Traceback" not in err


def test_train_refuses_a_folder_another_live_run_holds(tmp_path, capsys):
    import os
    import socket

    (tmp_path / ".pkg.lock").write_text(
        json.dumps({"pid": os.getppid(), "host": socket.gethostname(), "started": 0, "command": "train --out pkg"})
    )
    assert main(["train", "--out", str(tmp_path / "pkg")]) == 2
    err = capsys.readouterr().err
    assert f"pkg is being written by pid {os.getppid()} on {socket.gethostname()}" in err
    assert "(train --out pkg)" in err and err.count("\n") == 1


# ------------------------------------------------------------------------------ uploads
def _encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


UPLOADS = {  # case -> (bytes, message fragment, or None when the upload must succeed)
    "20000 x 1 PNG": (lambda: _encode(Image.new("L", (20000, 1), 255)), "too long and thin"),
    "1 x 5000 PNG": (lambda: _encode(Image.new("L", (1, 5000), 255)), "too long and thin"),
    "EPS renamed .png": (_eps, "not a PNG, JPEG, WebP, BMP or GIF"),
    "TIFF": (lambda: _encode(Image.new("L", (40, 40)), "TIFF"), "not a PNG, JPEG, WebP, BMP or GIF"),
    "PDF": (lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not a PNG, JPEG, WebP, BMP or GIF"),
    "SVG": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>', "not a PNG, JPEG"),
    "ICO": (lambda: _encode(Image.new("L", (32, 32)), "ICO"), "not a PNG, JPEG"),
    "PSD-like header": (lambda: b"8BPS" + b"\x00" * 60, "not a PNG, JPEG"),
    "header claiming 20000 x 20000": (lambda: _encode(Image.new("1", (20000, 20000))), "too large to open safely"),
    "header claiming 8000 x 8000": (lambda: _encode(Image.new("1", (8000, 8000))), "the limit is 40 megapixels"),
    "empty file": (lambda: b"", "empty"),
    "over 20 MiB": (lambda: b"\x89PNG" + b"\x00" * (20 * 2**20 + 1), "the limit is 20 MiB"),
    "truncated JPEG": (
        lambda: _encode(Image.new("RGB", (300, 300), (200, 10, 10)), "JPEG")[:400],
        "truncated or damaged",
    ),
    "6300 x 6300 PNG": (lambda: _encode(Image.new("L", (6300, 6300), 255)), None),
    "animated GIF": (
        lambda: _encode(Image.new("P", (60, 60)), "GIF", save_all=True, append_images=[Image.new("P", (60, 60), 1)]),
        None,
    ),
    "WebP": (lambda: _encode(Image.new("RGB", (50, 70), (255, 255, 255)), "WEBP"), None),
    "BMP": (lambda: _encode(Image.new("RGB", (50, 70), (0, 0, 0)), "BMP"), None),
    "16-bit PNG": (lambda: _encode(Image.fromarray(np.arange(4096, dtype=np.uint16).reshape(64, 64) * 16)), None),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_hostile_upload(case):
    make, message = UPLOADS[case]
    data = make()
    if message is None:
        prepared = prepare_image(data)
        assert prepared.image.shape == (28, 28) and np.isfinite(prepared.image).all()
        assert 0.0 <= prepared.image.min() and prepared.image.max() <= 1.0
    else:
        with pytest.raises(InputError, match=message):
            prepare_image(data)


def test_pixel_budget_is_checked_before_decoding(monkeypatch):
    from PIL import ImageFile

    data = _encode(Image.new("L", (7000, MAX_PIXELS // 7000 + 1)))
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded a picture over the budget"))
    with pytest.raises(InputError, match="megapixels"):
        prepare_image(data)


def test_large_upload_is_shrunk_while_decoding(monkeypatch):
    """A 6,000 x 4,000 JPEG is decoded at a reduced scale (never at full size)."""
    from PIL import ImageFile

    data = _encode(Image.new("RGB", (6000, 4000), (255, 255, 255)), "JPEG")
    opened = []
    real_load = ImageFile.ImageFile.load

    def spy(self):
        opened.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    prepare_image(data)
    assert opened and max(max(s) for s in opened) <= 6000 // 8 * 2


# ------------------------------------------------------------------------------ pages (AppTest)
ROOT = Path(__file__).resolve().parent.parent
PAGES = {name: str(ROOT / "pages" / f"{name}.py") for name in ("explore", "interpolate", "latent_map", "model")}
EVIL = "evil **loud** :red[RED] [x](javascript:alert(1)) <b>b</b>"


def _page(page: str, package: Path, data_dir: Path, monkeypatch, query: dict[str, str] | None = None):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(package))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGES[page], default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _markdown_texts(at) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer."""
    out = [
        e.value for kind in ("markdown", "caption", "warning", "error", "info", "success") for e in getattr(at, kind)
    ]
    return out + [img.caption for el in at.image for img in el.proto.imgs]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("case", ["manifest is a list", "NaN mean", "fewer class names than labels"])
def test_crafted_package_on_every_page(page, case, tiny_package_copy, data_dir, monkeypatch):
    craft, message = PACKAGES[case]
    craft(tiny_package_copy)
    resign(tiny_package_copy)
    from ui.common.text import plain

    at = _page(page, tiny_package_copy, data_dir, monkeypatch)
    assert len(at.error) == 1
    shown = plain(at.error[0].value)
    assert shown.startswith("The model package could not be loaded. Model package copy: ")
    assert message in shown and str(tiny_package_copy.parent) not in shown


@pytest.fixture()
def evil_package(tiny_package_copy: Path) -> Path:
    """A valid package whose class names are Markdown, HTML and a javascript: link."""
    edit_manifest(lambda m: _set(m, "class_names", [f"{EVIL} {i}" for i in range(10)]))(tiny_package_copy)
    resign(tiny_package_copy)
    return tiny_package_copy


@pytest.mark.parametrize("page", list(PAGES))
def test_class_names_of_a_user_package_render_literally(page, evil_package, data_dir, monkeypatch):
    import json as _json

    from ui.common.text import plain

    at = _page(page, evil_package, data_dir, monkeypatch)
    if page == "latent_map":
        at.text_input(key="map.find").input("5").run()  # the detail panel names the class
    if page == "explore":
        at.button(key="explore.start_item").click().run()  # "Started from item #0 (class)"
    shown = [t for t in _markdown_texts(at) if "evil" in plain(t)]
    assert shown, "the page shows no class name"
    for text in shown:
        assert "**loud**" not in text and ":red[" not in text and "](javascript" not in text and "<b>" not in text
        assert EVIL in plain(text)
    for chart in at.get("plotly_chart"):
        spec = _json.dumps(_json.loads(chart.proto.spec))
        assert "<b>b</b>" not in spec  # Plotly labels are HTML-escaped


def test_a_100_kb_link_parameter_is_echoed_shortened(tiny_package_dir, data_dir, monkeypatch):
    from ui.common.text import plain

    at = _page("interpolate", tiny_package_dir, data_dir, monkeypatch, {"a": "9" * 100_000, "method": "**x** :red[y]"})
    warnings = [w.value for w in at.warning if w.value.startswith("Link parameter")]
    assert len(warnings) == 2 and all(len(w) < 400 for w in warnings)
    assert "(100,000 characters)" in plain(warnings[0]) and "**x**" not in warnings[1] and ":red[" not in warnings[1]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"k": "**bold** [x](javascript:1)"}, "k="),
        ({"map": ":red[RED]"}, "map="),
        ({"z": "1" * 100_000}, "characters long"),
    ],
)
def test_explore_link_notices_are_escaped(query, fragment, tiny_package_dir, data_dir, monkeypatch):
    from ui.common.text import plain

    at = _page("explore", tiny_package_dir, data_dir, monkeypatch, query)
    (notice,) = [w.value for w in at.warning if "malformed" in w.value]
    assert fragment in plain(notice) and len(notice) < 1000
    assert "**bold**" not in notice and ":red[" not in notice and "](javascript" not in notice


@pytest.mark.parametrize("text", ["#" + "9" * 5000, "9" * 4301, "-" + "1" * 10_000, "**1**", "#1e9"])
def test_find_box_refuses_absurd_numbers(text, tiny_package_dir, data_dir, monkeypatch):
    at = _page("latent_map", tiny_package_dir, data_dir, monkeypatch)
    at.text_input(key="map.find").input(text).run()
    assert not at.exception
    (error,) = at.error
    assert ("There is no item" in error.value or "is not an item number" in error.value) and len(error.value) < 300


def _png_bytes(size: tuple[int, int], value: int = 255) -> bytes:
    return _encode(Image.new("L", size, value))


@pytest.mark.parametrize("page", ["explore", "interpolate"])
def test_an_upload_is_decoded_once_and_its_name_escaped(page, tiny_package_dir, data_dir, monkeypatch):
    import ui.common.upload as upload

    calls = []
    real = upload.prepare_image
    monkeypatch.setattr(upload, "prepare_image", lambda data, **kw: calls.append(len(data)) or real(data, **kw))
    at = _page(page, tiny_package_dir, data_dir, monkeypatch)
    if page == "interpolate":
        at.radio(key="interp.A.source").set_value("upload").run()
    key = "explore.upload.file" if page == "explore" else "interp.A.upload.file"
    at.file_uploader(key=key).set_value((f"{EVIL}.png", _png_bytes((6300, 6300)), "image/png")).run()
    assert not at.exception, at.exception
    for _ in range(3):
        at.run()
    assert len(calls) == 1  # decoded once, not on every rerun
    texts = [t for t in _markdown_texts(at) if "evil" in t]
    assert all("**loud**" not in t and "](javascript" not in t for t in texts)
    if page == "explore":
        assert any(f"your upload {EVIL}.png" in t.replace("\\", "").replace("\u2060", "") for t in texts)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (f"{EVIL}.png", _eps(), "not a PNG, JPEG, WebP, BMP or GIF"),
        ("long.png", None, "too long and thin"),
        ("bomb.png", None, "the limit is 40 megapixels"),
    ],
)
def test_a_refused_upload_says_why_once_per_file(name, data, message, tiny_package_dir, data_dir, monkeypatch):
    import ui.common.upload as upload
    from ui.common.text import plain

    if data is None:
        data = _png_bytes((20_000, 1)) if name == "long.png" else _encode(Image.new("1", (8000, 8000)))
    calls = []
    real = upload.prepare_image
    monkeypatch.setattr(upload, "prepare_image", lambda d, **kw: calls.append(1) or real(d, **kw))
    at = _page("explore", tiny_package_dir, data_dir, monkeypatch)
    at.file_uploader(key="explore.upload.file").set_value((name, data, "image/png")).run()
    at.run()
    assert not at.exception and len(calls) == 1
    (error,) = at.error
    assert message in plain(error.value) and plain(error.value).startswith(name)
    assert "**loud**" not in error.value
