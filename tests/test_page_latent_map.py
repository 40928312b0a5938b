"""The Latent map page under AppTest (tiny 600-item package): every control of the page.

Plotly selection events cannot be sent from AppTest; the selection parser is tested in
test_browse.py and one real box selection runs in Chromium (test_browser_map.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import click_gallery, gallery_tiles, run_page
from conftest import plotly_array as _array
from streamlit.testing.v1 import AppTest

from ui.common.text import plain
from ui.latent_map import view as map_view
from vae_core.latent.clusters import kmeans_labels

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "latent_map.py")
APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture()
def app(tiny_package_dir, data_dir, monkeypatch) -> AppTest:
    return run_page(PAGE, tiny_package_dir, data_dir, monkeypatch)


def _map_spec(at: AppTest) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    maps = [s for s in charts if any(t.get("type") == "scattergl" for t in s["data"])]
    assert len(maps) == 1
    return maps[0]


def _nothing_selected(at: AppTest) -> bool:
    return any(i.value.startswith("Nothing selected yet") for i in at.info)


def _item_traces(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t.get("customdata") is not None]


def test_default_map_is_tsne_coloured_by_class_with_every_item(app, pkg):
    spec = _map_spec(app)
    traces = _item_traces(spec)
    assert [t["name"] for t in traces] == list(pkg.class_names)  # legend entries = class filters
    assert sum(len(_array(t["customdata"])) for t in traces) == len(pkg) == 600
    assert spec["layout"]["xaxis"]["title"]["text"] == "t-SNE 1"
    assert spec["layout"]["dragmode"] == "pan" and spec["layout"]["clickmode"] == "event+select"
    for t in traces:  # every point sits at its stored t-SNE position, in its class's trace
        idx = _array(t["customdata"]).astype(int)
        np.testing.assert_allclose(_array(t["x"]), pkg.tsne_xy[idx, 0], rtol=1e-6)
        assert set(pkg.labels[idx]) == {pkg.class_names.index(t["name"])}
    assert _nothing_selected(app)


def test_projection_toggle_to_pca_and_choose_components(app, pkg):
    app.segmented_control(key="map.method").set_value("pca").run()
    spec = _map_spec(app)
    ratio = pkg.pca.explained_ratio_
    assert spec["layout"]["xaxis"]["title"]["text"] == f"PC1 ({100 * ratio[0]:.1f}% of variance)"
    assert spec["layout"]["yaxis"]["title"]["text"] == f"PC2 ({100 * ratio[1]:.1f}% of variance)"
    app.selectbox(key="map.pc_x").set_value(3).run()
    app.selectbox(key="map.pc_y").set_value(1).run()
    assert not app.exception
    spec = _map_spec(app)
    assert spec["layout"]["xaxis"]["title"]["text"].startswith("PC4 (")
    assert spec["layout"]["yaxis"]["title"]["text"].startswith("PC2 (")
    t = _item_traces(spec)[0]
    idx = _array(t["customdata"]).astype(int)
    expected = pkg.pca.transform(pkg.mu[idx], components=(3, 1))
    np.testing.assert_allclose(_array(t["x"]), expected[:, 0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(_array(t["y"]), expected[:, 1], rtol=1e-4, atol=1e-4)


def test_same_pca_component_twice_gives_a_clear_warning(app):
    app.segmented_control(key="map.method").set_value("pca").run()
    app.selectbox(key="map.pc_y").set_value(0).run()
    assert not app.exception
    assert any("two different PCA components" in w.value for w in app.warning)


def test_colour_by_kmeans_cluster_with_chosen_k(app, pkg):
    app.segmented_control(key="map.color_by").set_value("cluster").run()
    traces = _item_traces(_map_spec(app))
    assert [t["name"] for t in traces] == [f"cluster {i + 1}" for i in range(10)]  # default k = 10
    app.slider(key="map.k").set_value(4).run()
    traces = _item_traces(_map_spec(app))
    assert len(traces) == 4
    expected = kmeans_labels(pkg.mu, 4, seed=0)
    for g, t in enumerate(traces):
        idx = np.sort(_array(t["customdata"]).astype(int))
        np.testing.assert_array_equal(idx, np.flatnonzero(expected == g))
    sizes = [len(_array(t["customdata"])) for t in traces]
    assert sizes == sorted(sizes, reverse=True) and sum(sizes) == 600  # largest cluster first
    assert any("4 clusters" in c.value for c in app.caption)


def test_find_by_index_shows_the_detail_panel_and_marks_it(app, pkg):
    app.text_input(key="map.find").input("#123").run()
    assert not app.exception and not app.error
    label = pkg.class_names[pkg.labels[123]]
    assert any(m.value == f"**#123 · {label}**" for m in app.markdown)
    assert len(app.image) == 2  # original (or decoded mean) and reconstruction
    captions = [c for img in app.image for c in [img.proto.imgs[0].caption]]
    assert captions[1] == "reconstruction: decode(mu)"
    labels = [b.label for b in app.button]
    at = labels.index("Open in Explore")
    assert labels[at : at + 3] == ["Open in Explore", "Use as A", "Use as B"]
    spec = _map_spec(app)
    star = [t for t in spec["data"] if t["name"] == "#123"]
    assert star and star[0]["marker"]["symbol"] == "star"
    np.testing.assert_allclose([star[0]["x"][0], star[0]["y"][0]], pkg.tsne_xy[123], rtol=1e-6)
    posterior = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    bars = [s for s in posterior if s["data"][0].get("type") == "bar"][0]["data"][0]
    np.testing.assert_allclose(_array(bars["y"]), pkg.mu[123], rtol=1e-5)
    np.testing.assert_allclose(_array(bars["error_y"]["array"]), pkg.sigma[123], rtol=1e-5)


@pytest.mark.parametrize("text", ["600", "70000", "-4"])
def test_find_out_of_range_says_what_is_valid(app, text):
    app.text_input(key="map.find").input(text).run()
    assert not app.exception
    assert "numbered 0 to 599" in app.error[0].value
    assert _nothing_selected(app)  # nothing else changed


def test_a_find_error_goes_once_another_way_of_choosing_is_used(app, pkg):
    app.text_input(key="map.find").input("70000").run()
    assert "There is no item 70000" in plain(app.error[0].value)
    app.selectbox(key="map.class").set_value("Bag").run()
    app.button(key="map.show_class").click().run()
    assert not app.error and app.text_input(key="map.find").value == ""
    app.text_input(key="map.find").input("70000").run()
    app.text_input(key="map.find").input("5").run()  # a valid find
    assert not app.error and any(m.value.startswith("**#5 ·") for m in app.markdown)


def test_find_not_a_number(app):
    app.text_input(key="map.find").input("boot").run()
    assert "'boot' is not an item number" in plain(app.error[0].value)


def test_show_class_lists_every_item_with_a_histogram_and_pages(app, pkg):
    app.selectbox(key="map.class").set_value("Bag").run()
    app.button(key="map.show_class").click().run()
    assert not app.exception
    members = np.flatnonzero(pkg.labels == 8)
    assert any(m.value == f"**All {len(members)} Bag garments**" for m in app.markdown)
    hist = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    bars = [s for s in hist if s["data"][0].get("type") == "bar"][0]["data"][0]
    assert _array(bars["y"]).tolist() == [0] * 8 + [len(members), 0]
    per_page = map_view.PER_PAGE
    tiles = gallery_tiles(app, "map.gallery")
    assert len(tiles) == min(per_page, len(members))
    assert [t["caption"] for t in tiles][:3] == [f"#{i}" for i in members[:3]]
    assert all(t["src"].startswith("data:image/png;base64,") for t in tiles)
    if len(members) > per_page:
        app.button(key="map.next").click().run()
        assert gallery_tiles(app, "map.gallery")[0]["caption"] == f"#{members[per_page]}"
        assert any("page 2 of" in m.value for m in app.markdown)


def test_a_listed_garment_opens_from_its_tile_then_go_back(app, pkg):
    app.selectbox(key="map.class").set_value("Trouser").run()
    app.button(key="map.show_class").click().run()
    first = int(np.flatnonzero(pkg.labels == 1)[0])
    app = click_gallery(app, "map.gallery", str(first))  # the tile's "open" button
    assert not app.exception
    assert any(m.value == f"**#{first} · Trouser**" for m in app.markdown)
    app.button(key="map.back").click().run()
    assert any(m.value.startswith("**All ") for m in app.markdown)
    app.button(key="map.clear").click().run()
    assert _nothing_selected(app)


def test_a_list_averages_into_explore(app, pkg):
    app.selectbox(key="map.class").set_value("Sneaker").run()
    app.button(key="map.show_class").click().run()
    app.button(key="map.average").click().run()
    garment = app.session_state["explore.pending_z"]
    members = np.flatnonzero(pkg.labels == 7)
    np.testing.assert_allclose(garment.z, pkg.mu[members].astype(np.float64).mean(axis=0), rtol=1e-12)
    assert garment.label == f"the average of {len(members)} garments selected on the map"
    assert garment.origin["kind"] == "sent" and garment.package.matches(pkg.identity)


def test_two_lists_make_a_named_direction(pkg, monkeypatch, tmp_path, tiny_package_dir, data_dir):
    from store import open_store

    url = f"sqlite:///{tmp_path / 'directions.sqlite3'}"
    monkeypatch.setenv("LATENT_ATELIER_DATABASE_URL", url)
    app = run_page(APP, tiny_package_dir, data_dir, monkeypatch)  # the whole app: its link to Explore
    app.switch_page("pages/latent_map.py").run()
    assert app.button(key="map.dir_save").disabled  # nothing kept as B yet
    for name, slot in (("Shirt", "a"), ("Sneaker", "b")):
        app.selectbox(key="map.class").set_value(name).run()
        app.button(key="map.show_class").click().run()
        app.button(key=f"map.keep_{slot}").click().run()
    text = "\n".join(plain(m.value) for m in app.markdown)
    shirts, sneakers = np.flatnonzero(pkg.labels == 6), np.flatnonzero(pkg.labels == 7)
    assert f"**A** · {len(shirts)} garments, all Shirt" in text
    assert f"**B** · {len(sneakers)} garments, all Sneaker" in text
    app.button(key="map.dir_save").click().run()  # no name yet: says so, saves nothing
    assert any("Name the direction first" in e.value for e in app.error)
    app.text_input(key="map.dir_name").input("more sneaker").run()
    app.button(key="map.dir_save").click().run()
    assert not app.exception and any("Saved the direction **more sneaker**" in s.value for s in app.success)
    assert [link.proto.label for link in app.get("page_link")] == ["Try it on Explore"]
    (saved,) = open_store(url).directions.list(pkg.identity)
    expected = pkg.mu[sneakers].astype(np.float64).mean(0) - pkg.mu[shirts].astype(np.float64).mean(0)
    np.testing.assert_allclose(saved.vector, expected, rtol=1e-12)
    assert (saved.method, saved.to_indices, saved.from_indices) == ("selections", tuple(sneakers), tuple(shirts))
    app.button(key="map.dir_whole").click().run()  # from the whole catalogue instead
    app.text_input(key="map.dir_name").input("sneaker").run()
    app.button(key="map.dir_save").click().run()
    second = open_store(url).directions.list(pkg.identity)[1]
    assert second.method == "catalogue_to_selection" and second.from_indices is None
    np.testing.assert_allclose(
        second.vector, pkg.mu[sneakers].astype(np.float64).mean(0) - pkg.mu.astype(np.float64).mean(0)
    )
    app.text_input(key="map.dir_name").input("SNEAKER").run()  # names are unique per package
    app.button(key="map.dir_save").click().run()
    assert any("already has a direction named" in e.value for e in app.error)


def test_open_in_explore_hands_over_the_items_mean(app, pkg):
    app.text_input(key="map.find").input("7").run()
    app.button(key="map.use_b").click().run()
    garment = app.session_state["interpolate.pending_B"]
    assert garment.index == 7
    np.testing.assert_allclose(garment.z, pkg.mu[7], rtol=1e-6)


def test_renders_the_shipped_package(shipped_package_dir, data_dir, monkeypatch):
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(shipped_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception and not at.warning and not at.error
    traces = _item_traces(_map_spec(at))
    assert sum(len(_array(t["customdata"])) for t in traces) == 60_000
    at.text_input(key="map.find").input("59999").run()
    assert not at.exception and any(m.value.startswith("**#59999 · ") for m in at.markdown)
    assert [img.proto.imgs[0].caption for img in at.image][0] == "original"  # real photo, not a decoded mean
