"""A board in headless Chromium: a garment saved on Explore survives a server restart and opens,
from its link, in a fresh browser (no cookies, no session), and opens back in Explore."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import served, wait_for_app

from vae_core.model.data import ENV_VAR

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
Z = "1,0.5,-1,0,0,0,0,0,0.25,0"


def _no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return context, page


def test_board_survives_a_restart_and_opens_from_its_link(browser, data_dir: Path, tmp_path: Path):
    env = {
        ENV_VAR: str(data_dir),
        "LATENT_ATELIER_DATABASE_URL": f"sqlite:///{tmp_path / 'boards.sqlite3'}",
        "LATENT_ATELIER_PACKAGES": str(tmp_path / "no-packages"),
    }
    with served(ROOT / "app.py", env) as url:
        context, page = _new_page(browser)
        page.goto(f"{url}/?z={Z}")
        wait_for_app(page, 120_000)
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_label("Name", exact=True).fill("Long coat")
        page.get_by_label("Note").fill("sleeves a bit longer")
        page.get_by_label("New board's name").fill("Spring")
        page.get_by_role("button", name="Save to board").click()
        page.get_by_text("Saved Long coat to Spring.").wait_for(timeout=60_000)
        link = page.locator('[data-testid="stCode"]').filter(has_text="board=").inner_text().strip()
        _no_error(page)
        context.close()
    token = parse_qs(urlsplit(link).query)["board"][0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token) and urlsplit(link).path == "/board"

    with served(ROOT / "app.py", env) as url:  # a new server process on another port, same database
        context, page = _new_page(browser)
        page.goto(f"{url}/board?board={token}")
        wait_for_app(page, 120_000)
        page.get_by_label("Board name").wait_for(timeout=60_000)
        assert page.get_by_label("Board name").input_value() == "Spring"
        tile = page.locator('[class*="st-key-board-item-"]:has([data-testid="stTextArea"])').first
        assert tile.get_by_label("Name").input_value() == "Long coat"
        assert tile.get_by_label("Note").input_value() == "sleeves a bit longer"
        assert tile.locator('img[src^="data:image/png"]').count() == 1
        assert "Started from a shared link." in tile.inner_text()
        _no_error(page)

        tile.get_by_role("button", name="Open in Explore").click()  # the garment back in the sliders
        page.wait_for_url(re.compile(r".*[?&]z=1(%2C|,)0\.5(%2C|,)-1(%2C|,)0.*"), timeout=60_000)
        wait_for_app(page, 60_000)
        query = parse_qs(urlsplit(page.url).query)
        assert query["z"][0] == Z
        assert page.get_by_text("Started from “Long coat” from the board.").count() == 1
        _no_error(page)
        context.close()
