"""A first request straight to a sub-page, on a freshly started server, gets the whole app.

Streamlit's legacy ``pages/`` mode would otherwise run that page file alone (no page config, file
names in the sidebar) until some session opened the root; see ``ui/common/shell.py``.
"""

from __future__ import annotations

import pytest
from conftest import ROOT, start_streamlit, wait_for_app

pytestmark = pytest.mark.browser


def test_first_visit_to_a_sub_page_runs_through_the_app(page, data_dir, shipped_package_dir):
    proc, url = start_streamlit(ROOT / "app.py", {"LATENT_ATELIER_DATA_DIR": str(data_dir)})
    try:
        page.goto(f"{url}/latent_map")
        wait_for_app(page, 120_000)
        page.get_by_role("heading", name="Latent map").wait_for(timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        for title in ("Explore", "Interpolate", "Latent map", "Model"):
            assert title in nav
        assert "latent_map" not in nav and "explore" not in nav  # titles, not file names
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.errors == []
    finally:
        proc.kill()
        proc.wait(timeout=10)
