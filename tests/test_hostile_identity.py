"""Hostile use, round two (issue 20, items 1-3 and the link notices of item 11): the catalogue a
user chose stays the catalogue of every page, garments handed between pages carry their package's
identity and are refused by a page that serves another, and a package folder replaced on disk is
loaded anew instead of being served from the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.common.text import plain
from vae_core import ModelPackage
from vae_core.package.identity import PackageIdentity, identity_of, read_content

APP = str(ROOT / "app.py")
PAGE = {name: str(ROOT / "pages" / f"{name}.py") for name in ("explore", "interpolate", "latent_map")}


# ------------------------------------------------------------------------------ the identity
def test_identity_is_name_and_content(tiny_package_dir: Path, tiny_package_copy: Path):
    pkg = ModelPackage.load(tiny_package_dir)
    assert pkg.identity == identity_of(tiny_package_dir) and pkg.identity.content == read_content(tiny_package_dir)
    assert len(pkg.identity.content) == 64 and pkg.identity.data == pkg.data_fingerprint
    copy = identity_of(tiny_package_copy)
    assert copy.content == pkg.identity.content and copy.name == "copy"
    assert not copy.matches(pkg.identity)  # same files, another name
    assert PackageIdentity.from_dict(pkg.identity.to_dict()) == pkg.identity
    assert PackageIdentity.from_dict({"name": 3}) is None and PackageIdentity.from_dict("x") is None
    assert not PackageIdentity("x", "").matches(PackageIdentity("x", ""))  # unreadable never matches


def test_identity_changes_with_any_file(tiny_package_copy: Path):
    before = identity_of(tiny_package_copy)
    pkg = ModelPackage.load(tiny_package_copy)
    pkg.metrics = {**pkg.metrics, "knn5_accuracy": 0.5}
    pkg.save(tiny_package_copy)  # rebuilt in place: same name, other content
    after = identity_of(tiny_package_copy)
    assert after.name == before.name and not after.matches(before)
    assert pkg.identity == after == ModelPackage.load(tiny_package_copy).identity


# ------------------------------------------------------------------------------ pages
@pytest.fixture()
def two_packages(tmp_path: Path, tiny_package_dir: Path, colour_package_dir: Path, data_dir: Path, monkeypatch):
    """A packages folder holding ``shop`` (300 colour garments); the default served package is
    the tiny 600-item one."""
    folder = tmp_path / "packages"
    shutil.copytree(colour_package_dir, folder / "shop")
    monkeypatch.setenv("LATENT_ATELIER_PACKAGES", str(folder))
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    return folder


def _app(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _map_caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Every one of the"))


def test_a_sidebar_page_switch_keeps_the_chosen_catalogue(two_packages):
    at = _app({"package": "shop"})
    assert at.sidebar.selectbox(key="app.package").value == "shop"
    for page in ("latent_map", "model", "interpolate", "latent_map"):
        at.query_params.clear()  # what the browser's sidebar link does to the address
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, at.exception
        assert at.query_params.get("package") == "shop"  # every page's link names it again
    assert _map_caption(at).startswith("Every one of the 300 training garments")  # not the 600 default


def test_the_picker_choice_survives_page_switches(two_packages):
    at = _app()
    at.sidebar.selectbox(key="app.package").set_value("shop").run()
    assert at.query_params.get("package") == "shop" and len(at.query_params.get("package_fp", "")) == 12
    at.query_params.clear()
    at.switch_page("pages/latent_map.py").run()
    assert _map_caption(at).startswith("Every one of the 300 ")
    assert at.query_params.get("package") == "shop"


def test_open_in_explore_from_a_user_catalogue_opens_it_there(two_packages):
    shop = ModelPackage.load(two_packages / "shop")
    at = _app({"package": "shop"}, page="latent_map")
    at.text_input(key="map.find").input("5").run()
    at.button(key="map.to_explore").click().run()
    assert not at.exception, at.exception
    source = [plain(c.value) for c in at.caption if "item #5" in plain(c.value)]
    assert source and f"item #5 ({shop.class_names[int(shop.labels[5])]})" in source[0]
    assert at.query_params.get("package") == "shop"
    # no hand-off refused (the tiny package's own health notice may stand)
    assert not [w.value for w in at.warning if "was not loaded" in w.value]


@pytest.mark.parametrize("page", ["explore", "interpolate"])
def test_a_garment_of_another_catalogue_is_refused(page, tiny_package_dir, data_dir, monkeypatch):
    from ui.common.state import Garment

    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    pkg = ModelPackage.load(tiny_package_dir)
    at = AppTest.from_file(PAGE[page], default_timeout=120).run()
    key = "explore.pending_z" if page == "explore" else "interpolate.pending_A"
    others = {
        "another catalogue": (PackageIdentity("shop", "f" * 64), "it comes from the catalogue shop"),
        "a replaced folder": (PackageIdentity(pkg.identity.name, "0" * 64), "has changed on the server"),
    }
    for other, message in others.values():
        at.session_state[key] = Garment(tuple(float(v) for v in pkg.mu[3] + 1.0), 3, "#3 Dress", other)
        at.run()
        assert not at.exception, at.exception
        (warning,) = [plain(w.value) for w in at.warning if "was not loaded" in plain(w.value)]
        assert message in warning and "#3 Dress" in warning
        if page == "explore":
            assert "item #3" not in " ".join(plain(c.value) for c in at.caption)
        else:
            assert at.session_state["interp.A.source"] != "index" or at.session_state["interp.A.index"] != 3
    at.session_state[key] = Garment(tuple(float(v) for v in pkg.mu[3]), 3, "#3", pkg.identity)  # its own: taken
    at.run()
    assert not [w for w in at.warning if "was not loaded" in w.value]
    if page == "explore":
        assert "item #3" in " ".join(plain(c.value) for c in at.caption)
    else:
        assert at.session_state["interp.A.index"] == 3


def test_a_package_replaced_on_disk_is_loaded_anew(
    tmp_path, tiny_package_dir, colour_package_dir, data_dir, monkeypatch
):
    target = tmp_path / "served"
    shutil.copytree(tiny_package_dir, target)
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(target))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGE["latent_map"], default_timeout=120).run()
    assert _map_caption(at).startswith("Every one of the 600 ")
    shutil.rmtree(target)
    shutil.copytree(colour_package_dir, target)  # another package under the same name
    at.run()
    assert not at.exception, at.exception
    assert _map_caption(at).startswith("Every one of the 300 ")  # not the cached 600


# ------------------------------------------------------------------------------ link notices
def _notices(at: AppTest) -> list[str]:
    """The package notices on the page (other warnings, such as the tiny package's training
    images not matching Fashion-MNIST's or its model's health, left out)."""
    return [plain(w.value) for w in at.warning if "catalogue" in plain(w.value) and "model is" not in plain(w.value)]


def test_an_unknown_package_in_the_link_falls_back_with_a_notice(two_packages):
    at = _app({"package": "**nope** :red[x]"})
    (notice,) = _notices(at)
    assert "The link asks for the catalogue '**nope** :red[x]', but there is no catalogue of that name" in notice
    assert "Showing the default catalogue instead" in notice
    assert "package" not in at.query_params
    assert not any(":red[" in w.value or "**nope**" in w.value for w in at.warning)  # shown literally


def test_a_link_from_another_version_of_the_package_says_so(two_packages):
    shop = identity_of(two_packages / "shop")
    at = _app({"package": "shop", "package_fp": "0123456789ab"})
    (notice,) = _notices(at)
    assert "another version of the catalogue 'shop'" in notice and shop.short in notice
    assert at.query_params.get("package_fp") == shop.short
    at = _app({"package": "shop", "package_fp": shop.short})
    assert not _notices(at)


def test_a_broken_package_in_the_link_falls_back_and_is_marked_in_the_picker(two_packages):
    broken = two_packages / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text('{"n_items": 1e999}')
    at = _app({"package": "broken"}, page="latent_map")
    assert _map_caption(at).startswith("Every one of the 600 ")
    at = _app({"package": "broken"})
    (notice,) = _notices(at)
    assert "'broken', but it cannot be used" in notice and "too large" in notice
    assert "broken" not in at.sidebar.selectbox(key="app.package").options
    marked = [plain(c.value) for c in at.sidebar.caption if "broken" in plain(c.value)]
    assert marked and "too large" in marked[0]


def test_the_choice_of_a_package_that_vanishes_falls_back_with_a_notice(two_packages):
    at = _app({"package": "shop"})
    shutil.rmtree(two_packages / "shop")
    from ui.common.picker import _listed

    _listed.clear()
    at.query_params.clear()
    at.switch_page("pages/latent_map.py").run()
    assert not at.exception, at.exception
    _, notices = at.session_state["app.package_notices"]  # app.py draws them (AppTest runs the page alone)
    assert any("'shop' you chose cannot be shown: it is no longer there" in plain(n) for n in notices)
    assert _map_caption(at).startswith("Every one of the 600 ")
    assert "package" not in at.query_params
