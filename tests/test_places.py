"""Where the app keeps things (ui/common/places.py) and how a page names those folders: the real
folder, never the server's folders above the home folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.common.places import PACKAGES_ENV_VAR, packages_dir, shown_folder
from ui.common.text import plain

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "new_catalogue.py")


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home" / "ada"
    folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv(PACKAGES_ENV_VAR, raising=False)
    return folder


def test_a_folder_in_the_home_folder_is_shown_from_tilde(home: Path):
    assert packages_dir() == home / ".cache" / "latent-atelier" / "packages"
    assert shown_folder(packages_dir()) == "~/.cache/latent-atelier/packages"
    assert shown_folder(home) == "~"


def test_a_folder_elsewhere_shows_no_server_layout(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    assert shown_folder(tmp_path / "srv" / "packages") == "srv/packages"  # inside the working folder
    outside = Path("/var/lib/atelier/packages")
    assert shown_folder(outside) == "packages"


def test_the_new_catalogue_page_names_the_real_packages_folder(home: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, at.exception
    caption = plain(at.caption[0].value)
    assert "saved in `~/.cache/latent-atelier/packages` (set `LATENT_ATELIER_PACKAGES`" in caption, caption
    assert str(home) not in caption
