"""The Explore page driven through Streamlit's AppTest (``app.py``, tiny package, local data).

Every control is exercised and checked against the package itself: the latent pad is moved to
the z the control should produce, the neighbour gallery lists exactly ``pkg.rank(z, k)``, the link
holds z. Slider moves are played as the browser's pad reports them (``conftest.pad_report``).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import click_gallery, gallery_tiles, pad_element, pad_feed, pad_report
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.common.minimap import map_raster
from ui.common.text import plain
from ui.explore.sliders import slider_label
from ui.explore.state import format_z, round_z, slider_specs
from ui.explore.step import looks_like_text, typicality_text
from vae_core import ModelPackage
from vae_core.model.data import ENV_VAR as DATA_ENV

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def pkg(tiny_package_dir: Path) -> ModelPackage:
    return ModelPackage.load(tiny_package_dir)


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch, tiny_package_dir: Path, data_dir: Path):
    """A factory: ``app(query={...})`` runs the app once and returns the AppTest."""
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv(DATA_ENV, str(data_dir))

    def make(query: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return make


# ------------------------------------------------------------------------------ helpers
def _find(node, key: str):
    if getattr(node, "key", None) == key:
        return node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            found = _find(child, key)
            if found is not None:
                return found
    return None


def _images(node) -> list:
    out = []
    if getattr(node, "type", None) == "image":
        out.append(node)
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            out.extend(_images(child))
    return out


PAD = "explore.pad"


def z_of(at: AppTest, pkg: ModelPackage) -> np.ndarray:
    """The page's current z (what the pad last reported, or what the server last set)."""
    return np.array(at.session_state["explore.z"], dtype=np.float64)


def pad_z(at: AppTest, pkg: ModelPackage) -> np.ndarray:
    """The z the server last moved the pad to (its feed's values are in slider order)."""
    z = np.zeros(pkg.latent_dim)
    for spec, v in zip(slider_specs(pkg.kl_per_dim), pad_feed(at, PAD)["set"]["values"], strict=True):
        z[spec.dim] = v
    return z


def pad_range(at: AppTest) -> float:
    return float(at.session_state["explore.range"])


def move(at: AppTest, pkg: ModelPackage, changes: dict[int, float], range_: float | None = None) -> AppTest:
    """Drag the sliders of dimensions ``changes`` to their values (one report, on release)."""
    z = z_of(at, pkg).copy()
    for dim, v in changes.items():
        z[dim] = v
    values = [float(z[s.dim]) for s in slider_specs(pkg.kl_per_dim)]
    at = pad_report(at, PAD, values, z.tolist(), range_ if range_ is not None else pad_range(at))
    assert not at.exception, at.exception
    return at


def neighbours(at: AppTest, key: str = "explore.logq") -> list[int]:
    return [int(t["key"]) for t in gallery_tiles(at, key)]


def captions(at: AppTest) -> str:
    return "\n".join(plain(c.value) for c in at.caption)  # as read on the page


def warnings(at: AppTest) -> str:
    return "\n".join(plain(w.value) for w in at.warning)


def query(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def query_z(at: AppTest) -> np.ndarray:
    return np.array([float(v) for v in query(at, "z").split(",")])


def assert_consistent(at: AppTest, pkg: ModelPackage, k: int = 12, moved_by_server: bool = True) -> np.ndarray:
    """Pad, link and neighbour gallery all describe the same z; returns it."""
    z = z_of(at, pkg)
    if moved_by_server:
        np.testing.assert_allclose(pad_z(at, pkg), z, atol=1e-9)
    np.testing.assert_allclose(query_z(at), z, atol=1e-9)
    ranking = pkg.rank(z, k)
    assert neighbours(at) == ranking.indices.tolist()
    # the live mini-map: its picture stays, "you are here" and the k neighbours travel in its feed
    method = at.radio(key="explore.method").value
    raster = map_raster(pkg.map_xy(method), pkg.labels, size=300)
    placed = pad_feed(at, "explore.live_map")
    edge = np.array(raster.rgb.shape[1::-1]) - 1  # (columns, rows) - 1: a z off the map sits on its edge
    np.testing.assert_allclose(placed["here"], np.clip(raster.to_pixel(pkg.place(z, method, k)), 0, edge), atol=0.051)
    np.testing.assert_allclose(placed["dots"], raster.to_pixel(pkg.map_xy(method)[ranking.indices]), atol=0.051)
    assert json.loads(pad_element(at, "explore.live_map").proto.json)["src"] == raster.jpeg_uri
    np.testing.assert_allclose(placed["z"], z, atol=1e-9)  # what it was drawn for (the browser's data-answer)
    return z


# ------------------------------------------------------------------------------ tests
def page_text(at: AppTest) -> str:
    """Every caption, markdown, badge and label the page's main area shows, and the pad's labels,
    help and end names (the sidebar's package picker is the app's, not the page's)."""
    parts = [plain(el.value) for kind in ("caption", "markdown", "info", "warning") for el in at.main.get(kind)]
    parts += [str(getattr(w, "label", "")) + " " + str(getattr(w, "help", "") or "") for w in at.get("toggle")]
    data = json.loads(pad_element(at, PAD).proto.mixed.json)
    parts += [s["label"] + " " + s["help"] for s in data["sliders"]] + [data.get("guides_help") or ""]
    parts += [e["lo"] + " " + e["hi"] + " " + e["title"] for e in pad_feed(at, PAD)["ends"]]
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:", "\n".join(parts))


def test_default_page(app, pkg):
    at = app()
    specs = slider_specs(pkg.kl_per_dim)
    data = json.loads(pad_element(at, PAD).proto.mixed.json)  # the first draw carries the weights
    assert [s["label"] for s in data["sliders"]] == [slider_label(s, {}, expert=False)[0] for s in specs]
    assert [s["dim"] for s in data["sliders"]] == [s.dim for s in specs]
    assert data["ranges"] == [2.0, 3.0, 4.0, 5.0, 8.0] and pad_feed(at, PAD)["set"]["range"] == 3.0
    assert pad_range(at) == 3.0
    guides = pad_feed(at, PAD)["guides"]
    assert guides["range"] == 3.0 and len(guides["tracks"]) == pkg.latent_dim
    z = assert_consistent(at, pkg)
    assert not z.any()
    assert (query(at, "k"), query(at, "map")) == ("12", "tsne")
    best = pkg.rank(z, 1)
    expected = typicality_text(pkg.typicality(z), float(best.scores[0]), int(best.indices[0]))
    assert any(expected.label in m.value for m in at.markdown)  # the badge
    assert expected.detail in captions(at)
    # what it looks like, from every item's exact log q, and the closest real piece
    looks = looks_like_text(pkg.class_probabilities(z), pkg.class_names)
    assert any(plain(m.value) == f"**Looks like:** {looks}" for m in at.markdown)
    assert any(f"Closest real piece: <b>#{int(best.indices[0])} " in m.value for m in at.markdown)
    # every slider's ends are named, and a designer sees no nats, KL or log q
    ends = pad_feed(at, PAD)["ends"]
    assert len(ends) == pkg.latent_dim and all(e["lo"] and e["hi"] for e in ends)
    text = page_text(at)
    assert [line for line in text.splitlines() if "nats" in line or "log q" in line or "KL" in line] == []
    assert "novel" not in text and "typical" not in text
    assert "The interactive map below shows this garment" in captions(at)
    assert len(at.get("plotly_chart")) == 1
    # the tiny package has 600 items, the data 60,000 images: thumbnails are decoded means
    assert "decoded mean" in captions(at)


def test_slider_move_changes_garment_ranking_and_link(app, pkg):
    at = app()
    before_nb, before_guides = neighbours(at), pad_feed(at, PAD)["guides"]
    top = slider_specs(pkg.kl_per_dim)[0]
    at = move(at, pkg, {top.dim: 2.5})
    z = assert_consistent(at, pkg, moved_by_server=False)
    assert z[top.dim] == 2.5 and np.count_nonzero(z) == 1
    assert neighbours(at) != before_nb
    assert pad_feed(at, PAD)["guides"] != before_guides  # the guides follow on release
    assert "then edited with the sliders" in captions(at)
    # the big map is outside the fragment and says that it lags behind (AppTest reruns fully,
    # so here it has been redrawn; the state it was drawn for matches z)
    assert at.session_state["explore._map_state"][0] == tuple(z)


def test_reset_returns_to_the_origin(app, pkg):
    at = app()
    seq = pad_feed(at, PAD)["set"]["seq"]
    at = move(at, pkg, {0: 1.0, 1: -2.0})
    assert z_of(at, pkg)[1] == -2.0
    at.button(key="explore.reset").click().run()
    assert not at.exception
    assert not assert_consistent(at, pkg).any()
    assert pad_feed(at, PAD)["set"]["seq"] != seq  # the pad is moved back by the server


def test_sample_from_prior(app, pkg):
    at = app()
    at.button(key="explore.sample").click().run()
    assert not at.exception
    z = assert_consistent(at, pkg)
    assert np.count_nonzero(z) >= pkg.latent_dim - 1
    assert np.all(np.abs(z) <= pad_range(at))
    assert "random draw from the prior" in captions(at)
    at.button(key="explore.sample").click().run()
    assert not np.array_equal(z_of(at, pkg), z)


def test_start_from_item(app, pkg):
    at = app()
    at.number_input(key="explore.item").set_value(7).run()
    at.button(key="explore.start_item").click().run()
    assert not at.exception
    z = assert_consistent(at, pkg)
    np.testing.assert_allclose(z, round_z(pkg.mu[7])[0], atol=1e-9)
    assert f"item #7 ({pkg.class_names[pkg.labels[7]]})" in captions(at)


def test_k_changes_the_number_of_neighbours(app, pkg):
    at = app()
    at.number_input(key="explore.k").set_value(5).run()
    assert not at.exception
    assert len(neighbours(at)) == 5
    assert_consistent(at, pkg, k=5)
    assert query(at, "k") == "5"


def test_expert_details_show_every_number(app, pkg):
    at = app({"z": "1,-1,0.5,0,0,2,0,0,-0.5,0"})
    assert not at.toggle(key="explore.expert").value
    at.toggle(key="explore.expert").set_value(True).run()
    assert not at.exception
    data = json.loads(pad_element(at, PAD).proto.mixed.json)  # (AppTest never acknowledges the weights)
    assert [s["label"] for s in data["sliders"]] == [s.label for s in slider_specs(pkg.kl_per_dim)]
    z = z_of(at, pkg)
    best = pkg.rank(z, 12)
    badge = typicality_text(pkg.typicality(z), float(best.scores[0]), int(best.indices[0]))
    assert badge.expert in captions(at) and "nats" in captions(at)
    tiles = gallery_tiles(at, "explore.logq")
    assert tiles[0]["caption"].split("\n")[1] == f"log q {best.scores[0]:.1f}"
    at.toggle(key="explore.expert").set_value(False).run()  # and off again: the words only
    assert "nats" not in page_text(at) and "\n" not in gallery_tiles(at, "explore.logq")[0]["caption"]


def test_euclidean_toggle_shows_both_rankings(app, pkg):
    at = app({"z": "1,-1,0.5,0,0,2,0,0,-0.5,0"})
    assert neighbours(at, "explore.eu") == []
    at.toggle(key="explore.expert").set_value(True).run()
    at.toggle(key="explore.euclid").set_value(True).run()
    assert not at.exception
    z = z_of(at, pkg)
    assert neighbours(at, "explore.logq") == pkg.rank(z, 12).indices.tolist()
    assert neighbours(at, "explore.eu") == pkg.rank_euclidean(z, 12).indices.tolist()
    common = len(set(neighbours(at, "explore.logq")) & set(neighbours(at, "explore.eu")))
    assert f"{common} of 12 garments appear in both rankings" in captions(at)


def test_use_loads_a_neighbour(app, pkg):
    at = app({"z": "0.5,0.5,0,0,0,0,0,0,0,0"})
    third = neighbours(at)[2]
    click_gallery(at, "explore.logq", str(third))
    assert not at.exception
    z = assert_consistent(at, pkg)
    np.testing.assert_allclose(z, round_z(pkg.mu[third])[0], atol=1e-9)
    assert f"item #{third}" in captions(at)


def test_link_round_trip(app, pkg):
    z = [0.25, -1.5, 2.0, 0.0, 0.125, -0.75, 1.0, 0.0, -2.5, 0.5]
    at = app({"z": format_z(z), "k": "7", "map": "pca"})
    np.testing.assert_allclose(z_of(at, pkg), z)
    assert at.number_input(key="explore.k").value == 7
    assert at.radio(key="explore.method").value == "pca"
    assert warnings(at) == "" or "malformed" not in warnings(at)
    assert_consistent(at, pkg, k=7)
    assert "the shared link" in captions(at)
    # and the link follows the sliders
    at = move(at, pkg, {3: 1.2})
    assert query_z(at)[3] == 1.2 and query_z(at)[0] == 0.25


def test_widgets_default_to_their_current_values(app, pkg):
    """A browser that remounts a widget without its value takes the element's default (under load
    the k box fell back to 1 at the first slider step): every run sends the current value as it."""
    at = app({"k": "7", "map": "pca"})
    at.toggle(key="explore.expert").set_value(True).run()
    at.toggle(key="explore.euclid").set_value(True).run()
    assert at.number_input(key="explore.k").proto.default == 7
    assert at.radio(key="explore.method").proto.default == 1  # ("tsne", "pca")
    assert at.toggle(key="explore.euclid").proto.default is True
    at = move(at, pkg, {0: 0.5})  # a fragment run sends them again, still as they are
    assert at.number_input(key="explore.k").proto.default == 7
    assert at.radio(key="explore.method").proto.default == 1
    assert at.toggle(key="explore.euclid").proto.default is True


@pytest.mark.parametrize(
    ("query", "needle"),
    [({"z": "1,2,3"}, "missing 7 were set to 0"),
     ({"z": ",".join(["0.5"] * 12)}, "extra ones were dropped"),
     ({"z": "abc,def,1,1,1,1,1,1,1,1"}, "is not a number"),
     ({"z": "nan,nan,nan,0,0,0,0,0,0,0"}, "not finite"),
     ({"z": "inf,-inf,0,0,0,0,0,0,0,0"}, "not finite"),
     ({"z": "1e308,-1e308,0,0,0,0,0,0,0,0"}, "clamped"),
     ({"z": "1" * 5000}, "ignored"),
     ({"k": "many"}, "not a whole number"),
     ({"k": "100000"}, "outside"),
     ({"map": "umap"}, "unknown")],
)  # fmt: skip
def test_malformed_links_open_with_a_notice(app, pkg, query, needle):
    at = app(query)
    assert "This link was malformed" in warnings(at)
    assert needle in warnings(at)
    z = z_of(at, pkg)
    assert np.all(np.isfinite(z)) and np.all(np.abs(z) <= pad_range(at))
    assert_consistent(at, pkg, k=at.number_input(key="explore.k").value)
    at.button(key="explore.dismiss").click().run()
    assert "malformed" not in warnings(at)


def test_huge_values_widen_the_slider_range(app, pkg):
    at = app({"z": "4.2,0,0,0,0,0,0,0,0,0"})
    assert pad_range(at) == 5.0 and pad_feed(at, PAD)["set"]["range"] == 5.0
    assert pad_z(at, pkg)[0] == 4.2
    # narrowing the range clamps z into it (the pad reports the clamped z), and says so
    at = move(at, pkg, {0: 2.0}, range_=2.0)
    assert z_of(at, pkg)[0] == 2.0 and pad_range(at) == 2.0
    assert "clamped to the new slider range" in warnings(at)
    assert pad_feed(at, PAD)["guides"]["range"] == 2.0
    assert_consistent(at, pkg, moved_by_server=False)


def test_state_survives_a_page_switch(app, pkg):
    at = app()
    at = move(at, pkg, {2: 1.5})
    at.number_input(key="explore.k").set_value(4).run()
    at.switch_page("pages/model.py").run()
    at.switch_page("pages/explore.py").run()
    assert not at.exception
    assert z_of(at, pkg)[2] == 1.5 and pad_range(at) == 3.0
    assert at.number_input(key="explore.k").value == 4
    assert_consistent(at, pkg, k=4, moved_by_server=False)


def test_open_in_explore_request_is_applied(app, pkg):
    from ui.common.state import Garment

    at = app()
    at.session_state["explore.pending_z"] = Garment(tuple(float(v) for v in pkg.mu[11]), 11, "")
    at.run()
    assert not at.exception
    np.testing.assert_allclose(z_of(at, pkg), round_z(pkg.mu[11])[0], atol=1e-9)
    assert "item #11" in captions(at)


def _png(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def test_upload_loads_the_garment_once(app, pkg, small_splits):
    at = app()
    garment = small_splits[0].images[3]  # a training garment, light on black (no inversion)
    at.file_uploader(key="explore.upload.file").set_value(("shirt.png", _png(garment), "image/png")).run()
    assert not at.exception
    z = assert_consistent(at, pkg)
    np.testing.assert_allclose(z, round_z(pkg.encode(garment.astype(np.float32) / 255.0)[0][0])[0], atol=2e-3)
    assert "your upload shirt.png" in captions(at)
    shown = [im.proto.imgs[0].caption for im in at.get("image") if im.proto.imgs[0].caption]
    assert "your garment, as the model sees it" in shown and "the model's reconstruction" in shown
    # the upload is applied once: later slider moves are not overwritten by it
    seq = pad_feed(at, PAD)["set"]["seq"]
    at = move(at, pkg, {0: -1.0})
    assert z_of(at, pkg)[0] == -1.0
    at.run()
    assert z_of(at, pkg)[0] == -1.0 and pad_feed(at, PAD)["set"]["seq"] == seq


def test_bad_upload_says_why_and_keeps_z(app, pkg):
    at = app({"z": "1,0,0,0,0,0,0,0,0,0"})
    at.file_uploader(key="explore.upload.file").set_value(("notes.png", b"this is not an image", "image/png"))
    at.run()
    assert not at.exception
    assert any("notes.png" in plain(e.value) for e in at.error)
    assert z_of(at, pkg)[0] == 1.0 and pad_z(at, pkg)[0] == 1.0


def test_page_works_without_training_images(app, pkg, monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))  # an empty folder
    at = app()
    assert not at.exception
    assert any("Training images are unavailable" in i.value for i in at.info)
    assert "decoded mean" in captions(at)
    assert len(neighbours(at)) == 12


# ------------------------------------------------------------------------------ history, pins, names, directions
_ACTIONS = iter(range(1, 1_000_000))


def strip_action(at: AppTest, do: str, step: int | None = None) -> AppTest:
    """Rerun as after the history strip's ``setStateValue("action", ...)`` (a button, a thumbnail
    or Ctrl+Z in the browser)."""
    element = pad_element(at, "explore.history")
    states = at._tree.get_widget_states()
    mine = [w for w in states.widgets if w.id == element.proto.id]
    widget = mine[0] if mine else states.widgets.add()
    widget.id = element.proto.id
    widget.json_value = json.dumps({"action": {"do": do, "step": step, "n": next(_ACTIONS)}})
    at = at._run(states)
    assert not at.exception, at.exception
    return at


def strip(at: AppTest) -> dict:
    return json.loads(pad_element(at, "explore.history").proto.json)


def test_undo_and_redo_restore_every_step_exactly(app, pkg):
    at = app()
    dims = [s.dim for s in slider_specs(pkg.kl_per_dim)]
    at = move(at, pkg, {dims[0]: 1.25})
    z1 = z_of(at, pkg)
    at = move(at, pkg, {dims[1]: -2.0})
    z2 = z_of(at, pkg)
    at.number_input(key="explore.item").set_value(7).run()
    at.button(key="explore.start_item").click().run()
    z3 = z_of(at, pkg)
    labels = [s["label"] for s in strip(at)["steps"]]
    assert labels == [
        "the centre of the space (z = 0)",
        f"z{dims[0] + 1} to 1.25",
        f"z{dims[1] + 1} to -2.00",
        f"item #7 ({pkg.class_names[pkg.labels[7]]})",
    ]
    assert strip(at)["can_undo"] and not strip(at)["can_redo"]
    at = strip_action(at, "undo")
    assert tuple(z_of(at, pkg)) == tuple(z2)  # exactly, in the pad, the link and the neighbours
    assert_consistent(at, pkg)
    assert "then edited with the sliders" in captions(at)
    at = strip_action(at, "undo")
    assert tuple(z_of(at, pkg)) == tuple(z1) and tuple(pad_z(at, pkg)) == tuple(z1)
    at = strip_action(at, "redo")
    assert tuple(z_of(at, pkg)) == tuple(z2)
    at = strip_action(at, "go", 3)  # a thumbnail
    assert tuple(z_of(at, pkg)) == tuple(z3) and "item #7" in captions(at)
    at = strip_action(at, "go", 0)
    assert not z_of(at, pkg).any() and strip(at)["steps"][0]["current"]
    at = move(at, pkg, {dims[2]: 0.5})  # a new step after undoing drops the undone ones
    assert len(strip(at)["steps"]) == 2 and not strip(at)["can_redo"]
    # the lineage a board would save is the step's own
    origin = at.session_state["explore._origin"]
    assert origin["kind"] == "zero" and at.session_state["explore._edits"]["total"] == 1


def test_back_and_forward_move_through_the_same_steps(app, pkg):
    """The browser's Back and Forward rerun the page with an earlier link: it shows that step."""
    at = app()
    links = [query(at, "z")]
    for dim, v in ((0, 1.0), (1, -1.5), (2, 2.0)):
        at = move(at, pkg, {dim: v})
        links.append(query(at, "z"))
    steps = len(strip(at)["steps"])
    for back in (2, 1, 0):  # Back, Back, Back
        at.query_params["z"] = links[back]
        at.run()
        assert not at.exception
        assert format_z(z_of(at, pkg)) == links[back] and format_z(pad_z(at, pkg)) == links[back]
        assert [s["current"] for s in strip(at)["steps"]].index(True) == back
    at.query_params["z"] = links[1]  # Forward
    at.run()
    assert format_z(z_of(at, pkg)) == links[1] and len(strip(at)["steps"]) == steps  # no new step
    assert_consistent(at, pkg)
    at.query_params["z"] = "0.5,0.5,0,0,0,0,0,0,0,0"  # an address no step holds: a new step
    at.run()
    assert format_z(z_of(at, pkg)) == "0.5,0.5,0,0,0,0,0,0,0,0" and len(strip(at)["steps"]) == 3


def test_pin_up_to_four_garments_to_compare(app, pkg):
    at = app()
    for item in (3, 5, 7, 9, 11):
        at.number_input(key="explore.item").set_value(item).run()
        at.button(key="explore.start_item").click().run()
        at.button(key="explore.pin").click().run()
        assert not at.exception
    pins = at.session_state["explore._pins"]
    looks = [pkg.class_names[int(np.argmax(pkg.class_probabilities(round_z(pkg.mu[i])[0])))] for i in (5, 7, 9, 11)]
    assert [p["label"] for p in pins] == [f"Pin {n}: {c}" for n, c in zip((2, 3, 4, 5), looks, strict=True)]
    assert [pins[0]["z"]] == [round_z(pkg.mu[5])[0]]
    for i, item in enumerate((5, 7, 9, 11)):  # garment, looks like, neighbours and z of each
        z = np.asarray(round_z(pkg.mu[item])[0])
        assert neighbours(at, f"explore.pin.{i}.neighbours") == pkg.rank(z, 4).indices.tolist()
        assert f"z = {format_z(z)}" in [c.value for c in at.get("code")]
        looks = looks_like_text(pkg.class_probabilities(z), pkg.class_names)
        assert f"**Looks like** {looks}" in [plain(m.value) for m in at.markdown]
    at.button(key="explore.pin.1.open").click().run()  # back in the sliders
    np.testing.assert_allclose(z_of(at, pkg), round_z(pkg.mu[7])[0])
    at.button(key="explore.pin.0.unpin").click().run()
    assert [p["label"][:5] for p in at.session_state["explore._pins"]] == ["Pin 3", "Pin 4", "Pin 5"]


def test_slider_names_are_kept_per_package(app, pkg, monkeypatch, tmp_path, tiny_package_dir):
    from store import open_store, package_identity

    url = f"sqlite:///{tmp_path / 'names.sqlite3'}"
    monkeypatch.setenv("LATENT_ATELIER_DATABASE_URL", url)
    at = app()
    top = slider_specs(pkg.kl_per_dim)[0]
    at.text_input(key=f"explore.sliders.name.{top.dim}").input("sleeve length")
    next(b for b in at.button if b.label == "Save names").click().run()
    assert not at.exception
    assert json.loads(pad_element(at, PAD).proto.mixed.json)["sliders"][0]["label"] == "sleeve length"
    assert open_store(url).sliders.get(package_identity(tiny_package_dir)) == {top.dim: "sleeve length"}
    fresh = app()  # another session: the name is the package's
    assert json.loads(pad_element(fresh, PAD).proto.mixed.json)["sliders"][0]["label"] == "sleeve length"
    fresh = move(fresh, pkg, {top.dim: 1.0})
    assert strip(fresh)["steps"][-1]["label"] == "sleeve length to 1.00"


def test_a_saved_direction_is_a_slider(app, pkg, monkeypatch, tmp_path, tiny_package_dir):
    from store import DirectionDraft, open_store, package_identity
    from vae_core.latent.directions import direction_between, unit

    url = f"sqlite:///{tmp_path / 'directions.sqlite3'}"
    monkeypatch.setenv("LATENT_ATELIER_DATABASE_URL", url)
    shoes, shirts = np.flatnonzero(pkg.labels == 7)[:20], np.flatnonzero(pkg.labels == 6)[:20]
    v = direction_between(pkg.mu, shoes, shirts)
    draft = DirectionDraft("more sneaker", v.tolist(), package_identity(tiny_package_dir), "selections", shoes, shirts)
    open_store(url).directions.save(draft)
    at = app()
    data = json.loads(pad_element(at, PAD).proto.mixed.json)
    slider = data["sliders"][-1]
    assert (slider["label"], slider["dim"], slider["dir"]) == ("⇄ more sneaker", -1, 0)
    np.testing.assert_allclose(data["map"]["dirs"][0], unit(v))
    feed = pad_feed(at, PAD)
    assert len(feed["guides"]["tracks"]) == len(feed["ends"]) == pkg.latent_dim + 1
    # the browser moves z along it by 1.5 and, on release, reports the dimension sliders' new values
    z = np.round(z_of(at, pkg) + 1.5 * unit(v), 3)
    at = pad_report(at, PAD, [float(z[s.dim]) for s in slider_specs(pkg.kl_per_dim)] + [0.0], z.tolist())
    assert not at.exception
    np.testing.assert_allclose(z_of(at, pkg), z)
    assert strip(at)["steps"][-1]["label"] == "along ‘more sneaker’ +1.50"
    assert_consistent(at, pkg, moved_by_server=False)
