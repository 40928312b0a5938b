"""AppTest of the Interpolate page: every control, the hand-offs, and bad choices (never a traceback).

Runs the page script directly against the tiny 600-item package.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import pad_element, pad_report
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.common.state import Garment
from ui.common.text import plain
from vae_core import ModelPackage

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "interpolate.py")


@pytest.fixture()
def env(tiny_package_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ModelPackage:
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    monkeypatch.chdir(ROOT)
    return ModelPackage.load(tiny_package_dir)


def run_page(at: AppTest | None = None) -> AppTest:
    if at is None:
        at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [plain(e.value) for e in getattr(at, kind)]  # as read on the page


def image_captions(at: AppTest) -> list[str]:
    return [plain(img.caption) for el in at.image for img in el.proto.imgs]


def strip_captions(at: AppTest) -> list[str]:
    """Captions of the decoded frames of every strip (they start with the frame number)."""
    return [c for c in image_captions(at) if re.match(r"^(★ )?\d+ · t=", c)]


def frame_images(at: AppTest) -> int:
    return len(strip_captions(at))


def test_default_walk_renders_with_the_midpoint(env):
    at = run_page()
    assert at.number_input(key="interp.A.index").value == int(np.flatnonzero(env.labels == 0)[0])
    assert at.slider(key="interp.frames").value == 10
    captions = strip_captions(at)
    assert len(captions) == 11  # 10 frames + the inserted midpoint
    assert captions[5] == "★ 5 · t=0.50"
    assert any("inserted as frame 5" in c for c in texts(at, "caption"))
    assert not at.error
    # every frame is labelled with its nearest training garment by log q
    nearest = [c for c in texts(at, "caption") if "log q" in c]
    assert nearest  # player caption
    md = " ".join(texts(at, "markdown"))
    assert "**Linear**: 11 frames" in md


def test_frames_odd_even_and_midpoint_toggle(env):
    at = run_page()
    at.slider(key="interp.frames").set_value(9)
    run_page(at)
    assert frame_images(at) == 9
    assert any("Frame 4 is the midpoint" in c for c in texts(at, "caption"))
    at.slider(key="interp.frames").set_value(32)
    at.toggle(key="interp.midpoint").set_value(False)
    run_page(at)
    assert frame_images(at) == 32
    assert any("lies between frames 15 and 16" in c for c in texts(at, "caption"))
    at.slider(key="interp.frames").set_value(2)
    at.toggle(key="interp.midpoint").set_value(True)
    run_page(at)
    assert strip_captions(at) == ["0 · t=0.00", "★ 1 · t=0.50", "2 · t=1.00"]


def test_compare_both_methods(env):
    at = run_page()
    at.segmented_control(key="interp.method").set_value("both")
    run_page(at)
    md = " ".join(texts(at, "markdown"))
    assert "**Linear**: 11 frames" in md and "**Spherical (slerp)**: 11 frames" in md
    assert frame_images(at) == 22
    at.segmented_control(key="interp.method").set_value("slerp")
    run_page(at)
    assert frame_images(at) == 11 and "**Spherical (slerp)**" in " ".join(texts(at, "markdown"))


def test_same_item_twice_gives_a_notice(env):
    at = run_page()
    at.number_input(key="interp.B.index").set_value(at.number_input(key="interp.A.index").value)
    run_page(at)
    assert any("same garment" in w for w in texts(at, "warning"))
    assert frame_images(at) == 0
    assert not at.error


@pytest.mark.parametrize("bad", [600, 10**9, -1])
def test_index_outside_the_data_is_a_clear_message(env, bad):
    at = run_page()
    at.number_input(key="interp.A.index").set_value(bad)
    run_page(at)
    errors = texts(at, "error")
    assert any(f"Index {bad} is outside the training data: use a number from 0 to 599" in e for e in errors)
    assert any("Choose A and B" in i for i in texts(at, "info"))
    assert frame_images(at) == 0


def test_random_of_class(env):
    at = run_page()
    at.radio(key="interp.B.source").set_value("random")
    run_page(at)
    at.selectbox(key="interp.B.class").set_value(5)
    run_page(at)
    drawn = at.session_state["interp.B.drawn"]
    assert drawn[0] == 5 and env.labels[drawn[1]] == 5
    labels = texts(at, "markdown")
    assert f"#{drawn[1]} {env.class_names[5]}" in labels
    seen = {drawn[1]}
    for _ in range(6):
        at.button(key="interp.B.redraw").click()
        run_page(at)
        seen.add(at.session_state["interp.B.drawn"][1])
        assert env.labels[at.session_state["interp.B.drawn"][1]] == 5
    assert len(seen) > 1
    assert frame_images(at) == 11


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_upload_as_b_and_a_broken_upload(env):
    at = run_page()
    at.radio(key="interp.B.source").set_value("upload")
    run_page(at)
    assert any("Upload a picture to use it as B" in i for i in texts(at, "info"))
    assert frame_images(at) == 0
    garment = np.full((56, 40), 255, np.uint8)
    garment[8:50, 8:32] = 30  # a dark garment on a white background
    at.file_uploader(key="interp.B.upload.file").set_value(("shirt.png", _png(garment), "image/png"))
    run_page(at)
    assert "your upload" in texts(at, "markdown")
    assert frame_images(at) == 11
    at.file_uploader(key="interp.B.upload.file").set_value(("broken.png", b"not an image", "image/png"))
    run_page(at)
    assert any("broken.png" in e for e in texts(at, "error"))
    assert frame_images(at) == 0


def test_garments_sent_from_other_pages(env):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["interpolate.pending_A"] = Garment(tuple(float(v) for v in env.mu[17]), 17, "#17")
    z = tuple(float(v) for v in env.mu[3] + 0.5)
    at.session_state["interpolate.pending_B"] = Garment(z, None, "Explore sliders")
    run_page(at)
    assert at.number_input(key="interp.A.index").value == 17
    assert at.radio(key="interp.B.source").value == "sent"
    assert "Explore sliders" in texts(at, "markdown")
    assert frame_images(at) == 11
    # the request is consumed: a rerun keeps the choices without re-applying
    assert "interpolate.pending_A" not in at.session_state
    # a z of the wrong length (another model) is a clear error
    at.session_state["interpolate.pending_B"] = Garment((1.0, 2.0), None, "elsewhere")
    run_page(at)
    assert any("does not fit this model" in e for e in texts(at, "error"))


def test_link_parameters_and_bad_ones(env):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"a": "5", "b": "9", "frames": "7", "method": "slerp"})
    run_page(at)
    assert at.number_input(key="interp.A.index").value == 5
    assert at.number_input(key="interp.B.index").value == 9
    assert frame_images(at) == 7
    assert not [w for w in texts(at, "warning") if w.startswith("Link parameter")]
    assert "**Spherical (slerp)**: 7 frames" in " ".join(texts(at, "markdown"))
    bad = AppTest.from_file(PAGE, default_timeout=120)
    bad.query_params.update({"a": "70000", "frames": "40", "method": "cubic"})
    run_page(bad)
    warnings = " ".join(texts(bad, "warning"))
    assert "a='70000' ignored: Index 70000 is outside the training data" in warnings
    assert "frames='40' ignored: The number of frames must be between 2 and 32; got 40." in warnings
    assert "method='cubic' ignored" in warnings
    assert frame_images(bad) == 11  # defaults are used instead


def test_a_b_and_the_path_survive_a_trip_to_explore(env):
    """Streamlit drops the state of widgets a run does not draw: the page keeps its own copy."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/interpolate.py")
    run_page(at)
    at.number_input(key="interp.B.index").set_value(9)
    at.slider(key="interp.frames").set_value(7)
    at.segmented_control(key="interp.method").set_value("both")
    at.toggle(key="interp.midpoint").set_value(False)
    at.radio(key="interp.A.source").set_value("upload")
    run_page(at)
    garment = np.full((56, 40), 255, np.uint8)
    garment[8:50, 8:32] = 30
    at.file_uploader(key="interp.A.upload.file").set_value(("shirt.png", _png(garment), "image/png"))
    run_page(at)
    link = dict(at.query_params)
    assert "a" not in link and link["b"] == "9" and link["method"] == "both" and link["midpoint"] == "0"
    za = [float(v) for v in link["za"].split(",")]  # the upload's code, three decimals
    assert len(za) == env.latent_dim and all(round(v, 3) == v for v in za)
    assert frame_images(at) == 14  # two walks of 7 frames
    at.switch_page("pages/explore.py")
    run_page(at)
    assert "interp.B.index" not in at.session_state  # Streamlit dropped the widget's state
    at.switch_page("pages/interpolate.py")
    run_page(at)
    assert at.number_input(key="interp.B.index").value == 9
    assert at.slider(key="interp.frames").value == 7
    assert at.segmented_control(key="interp.method").value == "both"
    assert at.radio(key="interp.A.source").value == "upload"
    assert "your upload" in texts(at, "markdown")  # kept, although the uploader is empty again
    assert any("kept from before you left" in c for c in texts(at, "caption"))
    assert frame_images(at) == 14
    assert [float(v) for v in dict(at.query_params)["za"].split(",")] == za
    # removing the file in the uploader forgets the upload
    at.file_uploader(key="interp.A.upload.file").set_value(("shirt.png", _png(garment), "image/png"))
    run_page(at)
    at.file_uploader(key="interp.A.upload.file").set_value(None)
    run_page(at)
    assert any("Upload a picture to use it as A" in i for i in texts(at, "info"))


def test_a_link_with_a_code_reopens_the_walk(env):
    z = tuple(round(float(v), 3) for v in env.mu[3] + 0.25)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"za": ",".join(str(v) for v in z), "b": "9", "frames": "5", "map": "pca"})
    run_page(at)
    assert at.radio(key="interp.A.source").value == "sent"
    assert "the code in the link" in texts(at, "markdown")
    assert frame_images(at) == 5
    assert at.segmented_control(key="interp.map_method").value == "pca"
    assert tuple(float(v) for v in dict(at.query_params)["za"].split(",")) == z  # written back unchanged


def test_player_frame_pad_plays_in_the_browser(env):
    """The player is a latent pad that plays the walk itself (no server autoplay): it gets the
    walk's paths, each frame's t and nearest garment; a report between two frames shows the
    nearest frame's details, and the frame is clamped when the walk gets shorter."""
    import json

    at = run_page()
    proto = pad_element(at, "interp.frame_pad").proto
    data = json.loads(proto.mixed.json if proto.HasField("mixed") else proto.json)  # (mixed: with the weights)
    assert data["player"] is True and data["map"]["kind"] == "paths" and len(data["map"]["paths"]) == 1
    assert len(data["frame_t"]) == 11 and data["frame_t"][5] == 0.5
    assert len(data["frame_labels"][0]) == 11 and data["frame_labels"][0][0].startswith("nearest #")
    assert not at.get("progress") and "interp.play" not in [t.key for t in at.toggle]  # no server autoplay
    at = pad_report(at, "interp.frame_pad", [4.6], [0.0] * 10, range_=None, final=False)
    assert at.session_state["interp.frame"] == 5
    assert any(c.startswith("**Linear, frame ★ 5 · t=0.50**") for c in texts(at, "caption"))
    at = pad_report(at, "interp.frame_pad", [7.0], [0.0] * 10, range_=None, final=True)
    assert any(c.startswith("**Linear, frame 7 · t=0.67**") for c in texts(at, "caption"))
    at.slider(key="interp.frames").set_value(3)
    run_page(at)  # the frame position is clamped to the shorter walk, and the pad moved there
    assert any(c.startswith("**Linear, frame 2 · t=1.00**") for c in texts(at, "caption"))
    assert at.session_state["interp.frame_pad._set"]["values"] == [2.0]


def test_open_in_explore_without_the_explore_page_is_a_clear_error(env):
    at = run_page()
    at.button(key="interp.explore.linear").click()
    run_page(at)
    # run directly (no app navigation) the switch cannot happen; the page says so instead
    assert any("Explore page could not be opened" in e for e in texts(at, "error"))


def test_exports_are_offered_and_a_film_is_made_at_the_chosen_size(env):
    at = run_page()
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Strip (labelled PNG)", "Frames' z (JSON)"} <= set(labels)
    at.segmented_control(key="interp.film.fmt").set_value("gif")
    at.slider(key="interp.film.seconds").set_value(1)
    at.toggle(key="interp.film.pingpong").set_value(False)
    run_page(at)
    at.button(key="interp.film.make").click()
    run_page(at)
    (film,) = [b for b in at.get("download_button") if b.proto.label.startswith("Download walk-")]
    assert "-linear-512px.gif" in film.proto.label and "15 frames" in film.proto.label  # 1 s at 15 fps
    _, data, name, mime, n_frames, fps = at.session_state["interp.film"]
    gif = Image.open(io.BytesIO(data))
    assert gif.size == (512, 512) and gif.n_frames == n_frames == 15 and mime == "image/gif"
    at.segmented_control(key="interp.film.size").set_value(1024)  # another setting: the old film goes
    run_page(at)
    assert not [b for b in at.get("download_button") if b.proto.label.startswith("Download walk-")]


def test_map_click_sets_the_chosen_slot(env):
    def script():
        import streamlit as st

        from ui.interpolate.picker import on_map_select

        st.session_state["interp.map_target"] = "B"
        st.session_state["interp.map"] = {"selection": {"points": [{"customdata": 42, "x": 1, "y": 2}]}}
        on_map_select()
        st.write(st.session_state["interp.B.source"], st.session_state["interp.B.index"])

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception
    assert texts(at, "markdown") == ["index `42`"]


def test_latent_arithmetic_classes_and_items(env):
    at = run_page()
    assert at.segmented_control(key="interp.dir_kind").value == "classes"
    assert at.selectbox(key="interp.cls_from").value == 0 and at.selectbox(key="interp.cls_to").value == 6
    captions = image_captions(at)
    assert "result (strength +1.0)" in captions
    assert "from: mean of T-shirt/top" in captions and "to: mean of Shirt" in captions
    assert "Nearest training garments of the result (by log q(z|x))" in texts(at, "markdown")
    # the strength slider is a latent pad: play its release report as the browser sends it
    a_z, src, dst = (np.asarray(v) for v in at.session_state["interp.strength_pad._for"])
    at = pad_report(at, "interp.strength_pad", [-2.0], (a_z - 2.0 * (dst - src)).tolist(), range_=None)
    assert not at.exception, at.exception
    captions = image_captions(at)
    assert "result (strength -2.0)" in captions
    # the same class twice: a notice, no result
    at.selectbox(key="interp.cls_to").set_value(0)
    run_page(at)
    assert any("two different classes" in i for i in texts(at, "info"))
    # from item B to item C, with C == B: a notice
    at.segmented_control(key="interp.dir_kind").set_value("items")
    run_page(at)
    at.number_input(key="interp.C.index").set_value(at.number_input(key="interp.B.index").value)
    run_page(at)
    assert any("B and C are the same garment" in i for i in texts(at, "info"))
    at.number_input(key="interp.C.index").set_value(2)
    run_page(at)
    captions = image_captions(at)
    assert any(c.startswith("to: C #2") for c in captions)


def test_analogy_grid(env):
    at = run_page()
    at.slider(key="interp.grid_rows").set_value(3)
    at.slider(key="interp.grid_cols").set_value(7)
    run_page(at)
    assert any(c.startswith("Rows: garments; columns: strength") for c in image_captions(at))
    rows = at.session_state["interp.grid_items"][1]
    assert all(env.labels[i] == env.labels[at.number_input(key="interp.A.index").value] for i in rows)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Analogy grid (labelled PNG)" in labels and "Result (PNG)" in labels
