"""Explore's Save and the Board page, driven through Streamlit's AppTest (``app.py``, the tiny
package, a SQLite database in a temporary folder). What the page shows is checked against the
database, and what the database holds against what was on Explore."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from conftest import pad_report
from PIL import Image
from streamlit.testing.v1 import AppTest

from store import ItemDraft, PackageIdentity, new_token, open_store, package_identity
from store.schema import SCHEMA_VERSION, schema_version
from ui.board import archive
from ui.board.state import K_CURRENT
from ui.common.text import plain
from ui.explore.state import slider_specs
from vae_core import ModelPackage
from vae_core.images import to_uint8
from vae_core.model.data import ENV_VAR as DATA_ENV

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
BOARD = "pages/board.py"


@pytest.fixture(scope="module")
def pkg(tiny_package_dir: Path) -> ModelPackage:
    return ModelPackage.load(tiny_package_dir)


@pytest.fixture()
def db_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_package_dir: Path, data_dir: Path) -> str:
    url = f"sqlite:///{tmp_path / 'boards.sqlite3'}"
    monkeypatch.setenv("LATENT_ATELIER_DATABASE_URL", url)
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_PACKAGES", str(tmp_path / "no-packages"))  # only shipped + tiny
    monkeypatch.setenv(DATA_ENV, str(data_dir))
    return url


def run(target) -> AppTest:
    """Run the app (an AppTest, or a widget just set or clicked); no exception."""
    at = target.run()
    assert not at.exception, at.exception
    return at


def board_page(token: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(BOARD)
    if token is not None:
        at.query_params["board"] = token
    return run(at)


def texts(elements) -> str:
    """The elements' text as read on the page (no Markdown escapes or bold marks)."""
    return "\n".join(plain(e.value).replace("**", "") for e in elements)


def tile_images(at: AppTest) -> list[np.ndarray]:
    """The garments drawn on the page (inline PNGs), as arrays."""
    urls = [i.url for el in at.image for i in el.proto.imgs if i.url.startswith("data:image/png")]
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(u.split(",", 1)[1])))) for u in urls]


def draft(pkg: ModelPackage, i: int, package: PackageIdentity | None = None) -> ItemDraft:
    z = np.random.default_rng(i).standard_normal(pkg.latent_dim).round(3).tolist()
    origin = {"kind": "item", "label": f"catalogue item #{i} (x)", "z": z, "index": i}
    return ItemDraft(f"garment {i}", z, package or package_identity(pkg.path), f"note {i}", {"origin": origin})


# ---------------------------------------------------------------------------------- Save on Explore
def test_save_from_explore_keeps_z_package_and_lineage(db_url: str, pkg: ModelPackage):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["z"] = "1,0.5,-1"
    at = run(at)
    at.text_input(key="board.save.name").input("Long coat")
    at.text_area(key="board.save.note").input("longer sleeves")
    at.text_input(key="board.save.board").input("Spring")
    at = run(at.button(key="board.save.go").click())
    assert "Saved Long coat to Spring." in texts(at.success)
    token = at.session_state[K_CURRENT]["token"]
    store = open_store(db_url)
    (item,) = store.boards.items(token)
    z0 = (1.0, 0.5, -1.0) + (0.0,) * (pkg.latent_dim - 3)
    assert (item.name, item.note, item.z, item.package) == (
        "Long coat",
        "longer sleeves",
        z0,
        package_identity(pkg.path),
    )
    assert item.lineage["origin"]["kind"] == "link" and item.lineage["edits_total"] == 0
    assert store.boards.open(token).name == "Spring"
    link = [c.value for c in at.code if "board=" in c.value]
    assert link and link[0].endswith(f"board?board={token}")

    # two released slider moves, then a second save goes to the same board, with its edits
    specs = slider_specs(pkg.kl_per_dim)
    for v in (0.25, 0.5):
        z = np.array(z0)
        z[specs[0].dim] = v
        pad_report(at, "explore.pad", [float(z[s.dim]) for s in specs], z.tolist(), 3.0)
    assert not at.exception, at.exception
    at = run(at.button(key="board.save.go").click())  # no name: a suggested one
    items = store.boards.items(token)
    assert len(items) == 2 and items[1].z == tuple(z.tolist())
    assert items[1].lineage["edits_total"] == 2 and items[1].lineage["edits"][-1] == z.tolist()
    assert items[1].name == "From a link, edited"

    # a catalogue item, loaded from the toolbar, is the next garment's origin
    at.number_input(key="explore.item").set_value(5)
    at = run(at.button(key="explore.start_item").click())
    at = run(at.button(key="board.save.go").click())
    third = store.boards.items(token)[2]
    assert third.lineage["origin"]["index"] == 5 and third.lineage["origin"]["kind"] == "item"
    np.testing.assert_allclose(third.z, pkg.mu[5], atol=5e-4)
    assert third.name == f"{pkg.class_names[int(pkg.labels[5])]} #5"


# ---------------------------------------------------------------------------------- the Board page
def test_board_page_tiles_edit_move_delete_undo(db_url: str, pkg: ModelPackage):
    store = open_store(db_url)
    board = store.boards.create("Mine")
    ids = [store.boards.add_item(board.token, draft(pkg, i)).id for i in range(3)]
    at = board_page(board.token)
    assert at.text_input(key="board.name").value == "Mine"
    assert [at.text_input(key=f"board.item.{i}.name").value for i in ids] == ["garment 0", "garment 1", "garment 2"]
    images = tile_images(at)
    assert len(images) == 3
    for img, i in zip(images, range(3)):  # each tile is its item's z decoded by the package
        np.testing.assert_array_equal(img, to_uint8(pkg.decode(draft(pkg, i).z)))
    assert "Started from catalogue item #0 (x)." in texts(at.caption)

    at.text_input(key="board.name").input("Spring ideas")
    at = run(at)
    at.text_input(key=f"board.item.{ids[1]}.name").input("Long coat")
    at = run(at)
    at.text_area(key=f"board.item.{ids[1]}.note").input("for winter")
    at = run(at)
    assert store.boards.open(board.token).name == "Spring ideas"
    assert (store.boards.item(board.token, ids[1]).name, store.boards.item(board.token, ids[1]).note) == (
        "Long coat",
        "for winter",
    )
    at = run(at.button(key=f"board.item.{ids[0]}.right").click())
    assert [it.id for it in store.boards.items(board.token)] == [ids[1], ids[0], ids[2]]
    assert at.button(key=f"board.item.{ids[1]}.left").disabled and at.button(key=f"board.item.{ids[2]}.right").disabled

    at = run(at.button(key=f"board.item.{ids[0]}.delete").click())
    assert [it.id for it in store.boards.items(board.token)] == [ids[1], ids[2]]
    assert "Deleted garment 0." in texts(at.info)
    at = run(at.button(key="board.undo").click())
    back = store.boards.items(board.token)
    assert [it.name for it in back] == ["Long coat", "garment 0", "garment 2"]
    assert back[1].z == tuple(draft(pkg, 0).z) and back[1].lineage == draft(pkg, 0).lineage


def test_bad_unknown_and_missing_links(db_url: str):
    at = board_page("not-a-token")
    assert "This board link is not complete" in texts(at.warning)
    assert "not-a-token" not in texts(at.warning)
    at = board_page(new_token())
    assert "There is no board at this link" in texts(at.warning)
    at = board_page(None)  # no link: make a board
    at.text_input(key="board.new_name").input("Fresh")
    at = run(at.button(key="board.create").click())
    token = at.query_params["board"]
    token = token[-1] if isinstance(token, list) else token
    assert open_store(db_url).boards.open(token).name == "Fresh"
    assert at.text_input(key="board.name").value == "Fresh"


def test_items_of_another_or_a_deleted_package(db_url: str, pkg: ModelPackage, shipped_package_dir: Path):
    shipped = ModelPackage.load(shipped_package_dir)
    store = open_store(db_url)
    board = store.boards.create("Mixed")
    gone = PackageIdentity("deleted-package", content="0" * 64, data="0" * 16)
    other = store.boards.add_item(board.token, draft(shipped, 7, package_identity(shipped_package_dir)))
    lost = store.boards.add_item(board.token, draft(pkg, 8, gone))
    mine = store.boards.add_item(board.token, draft(pkg, 9))
    at = board_page(board.token)
    assert len(tile_images(at)) == 2  # the deleted package's item has no picture
    assert "packages that are not on this server (deleted-package)" in texts(at.warning)
    assert "Package deleted-package is not on this server" in texts(at.warning)
    assert f"board.item.{lost.id}.open" not in [b.key for b in at.button]
    assert plain(at.button(key=f"board.item.{mine.id}.open").label) == "Open in Explore"
    switch = at.button(key=f"board.item.{other.id}.open")
    assert plain(switch.label) == "Switch to fashion-mnist-vae and open"
    at = run(switch.click())  # Explore, with the other package, and this garment in its sliders
    assert at.query_params["package"] in ("fashion-mnist-vae", ["fashion-mnist-vae"])
    assert tuple(at.session_state["explore.z"]) == tuple(other.z)
    assert at.session_state["explore._origin"]["kind"] == "board"
    assert at.session_state["app.package"] == "fashion-mnist-vae"


def test_import_a_board_zip_on_the_page(db_url: str, pkg: ModelPackage):
    store = open_store(db_url)
    source = store.boards.create("Exported")
    for i in range(3):
        store.boards.add_item(source.token, draft(pkg, i))
    items = store.boards.items(source.token)
    pics = [archive.Picture(it, to_uint8(pkg.decode(it.z))) for it in items]
    data = archive.board_zip("Exported", pics)
    at = board_page(None)
    at.file_uploader(key="board.import.0").set_value(("exported.zip", data, "application/zip"))
    at = run(at)
    at = run(at.button(key="board.import.go").click())
    assert "Imported 3 garments into Exported." in texts(at.success)
    token = at.query_params["board"]
    token = token[-1] if isinstance(token, list) else token
    assert token != source.token
    copied = store.boards.items(token)
    assert [(c.name, c.z, c.lineage, c.package) for c in copied] == [(i.name, i.z, i.lineage, i.package) for i in items]
    # a broken file is refused with the reason, and nothing is added
    at.file_uploader(key="board.import.1").set_value(("bad.zip", b"nope", "application/zip"))
    at = run(at)
    at = run(at.button(key="board.import.go").click())
    assert "not a ZIP file" in texts(at.error)
    assert store.boards.count(token) == 3


def test_database_from_a_newer_app_is_a_notice(db_url: str):
    store = open_store(db_url)
    token = store.boards.create("b").token
    with store.db.write() as conn:
        conn.execute(
            schema_version.insert().values(version=SCHEMA_VERSION + 1, description="new", applied_at=sa.func.now())
        )
    store.close()
    at = board_page(token)
    assert f"is at schema version {SCHEMA_VERSION + 1}" in texts(at.error)


def test_unreachable_database_is_a_notice(db_url: str, monkeypatch: pytest.MonkeyPatch):
    """Save and the Board page say the database cannot be used; nothing raises."""
    monkeypatch.setenv("LATENT_ATELIER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/atelier")
    at = run(AppTest.from_file(APP, default_timeout=120))
    at = run(at.button(key="board.save.go").click())
    assert "The board database (postgresql+psycopg://nobody@127.0.0.1:1/atelier) cannot be used" in texts(at.error)
    at = board_page(new_token())
    assert "cannot be used right now" in texts(at.error)
