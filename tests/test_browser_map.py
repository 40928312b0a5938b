"""The Latent map page in a real Chromium against `streamlit run app.py` (shipped package).

A box selection drawn with the mouse must list the garments inside the box (gallery and class
histogram), and a click on one point must open its detail panel. Timings (first render of the
60,000-point map, selection round trip) are printed and written to map_timings.json in
conftest's ``screenshots`` folder (under pytest's temporary folder; its path is printed at the end).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tests.conftest import wait_for_app

pytestmark = pytest.mark.browser
CANVAS = ".js-plotly-plot canvas.gl-canvas-context"
# Screen position of every point of the map's item traces, computed by plotly's own axes.
_POINTS_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, out = [];
  gd._fullData.forEach(t => {
    if (!t.customdata || t.visible !== true) return;
    for (let i = 0; i < t.x.length; i++)
      out.push([box.left + xa.l2p(t.x[i]), box.top + ya.l2p(t.y[i]), Number(t.customdata[i])]);
  });
  return {points: out, plot: [box.left, box.top, box.width, box.height]};
}"""


def _open_map(page, url: str) -> float:
    """Navigate to the Latent map page; return ms until the map's WebGL canvas is drawn.

    The app's root is opened first: while a ``pages/`` folder sits next to app.py, Streamlit runs
    a fresh server's first deep link (/latent_map) in its old multipage mode, without app.py's
    navigation, until some session has run app.py once.
    """
    page.goto(url)
    wait_for_app(page)
    t0 = time.perf_counter()
    page.goto(f"{url}/latent_map")
    page.wait_for_selector(CANVAS, state="attached", timeout=120_000)
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullData && gd._fullData.length >= 10; }",
        timeout=120_000,
    )
    ms = 1000 * (time.perf_counter() - t0)
    wait_for_app(page)
    return ms


def _record(folder: Path, name: str, values: list[float]) -> None:
    path = folder / "map_timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = [round(v) for v in values]
    path.write_text(json.dumps(data, indent=1))
    print(f"{name}: {[round(v) for v in values]} ms")


def _no_exceptions(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors


def test_box_selection_lists_the_garments_inside_the_box(page, app_server, screenshots):
    render_ms = _open_map(page, app_server)
    info = page.evaluate(_POINTS_JS)
    assert len(info["points"]) == 60_000  # every training item is on the map
    _no_exceptions(page)

    left, top, width, height = info["plot"]
    x0, y0, x1, y1 = left + 0.42 * width, top + 0.42 * height, left + 0.56 * width, top + 0.56 * height
    inside = {int(i) for x, y, i in info["points"] if x0 < x < x1 and y0 < y < y1}
    assert 5 < len(inside) < 20_000

    page.mouse.move(left + width / 2, top + height / 2)  # the toolbar shows on hover
    page.locator('.modebar-btn[data-val="select"]').first.click()
    t0 = time.perf_counter()
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(x1, y1, steps=4)
    t_up = time.perf_counter()
    page.mouse.up()
    heading = page.get_by_text(re.compile(r"^[\d,]+ garments? selected on the map$"))
    heading.wait_for(timeout=60_000)
    page.locator(".st-key-map-gallery .la-tile img").first.wait_for(timeout=60_000)
    select_ms, from_up_ms = 1000 * (time.perf_counter() - t0), 1000 * (time.perf_counter() - t_up)
    wait_for_app(page)

    n_selected = int(heading.inner_text().split()[0].replace(",", ""))
    assert abs(n_selected - len(inside)) <= max(2, len(inside) // 100)  # points on the border may differ
    tiles = page.locator(".st-key-map-gallery .la-tile")
    assert tiles.count() == min(30, n_selected)
    captions = [int(c[1:]) for c in tiles.locator(".la-caption").all_inner_texts()]
    assert len(set(captions) & inside) >= len(captions) - 2
    assert page.locator(".js-plotly-plot").count() == 2  # the map and the class histogram
    _no_exceptions(page)
    page.screenshot(path=str(screenshots / "latent_map_selection.png"), full_page=True)
    _record(screenshots, "first_render_ms", [render_ms])
    _record(screenshots, "box_selection_drag_start_to_gallery_ms", [select_ms])
    _record(screenshots, "box_selection_mouse_up_to_gallery_ms", [from_up_ms])


def test_click_on_a_point_opens_its_detail_panel(page, app_server, screenshots):
    _open_map(page, app_server)
    info = page.evaluate(_POINTS_JS)
    left, top, width, height = info["plot"]
    # an isolated point well inside the plot, so the click cannot hit a neighbour
    pts = [p for p in info["points"] if left + 40 < p[0] < left + width - 40 and top + 40 < p[1] < top + height - 40]
    x, y, _ = pts[len(pts) // 2]
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.get_by_text("reconstruction: decode(mu)").wait_for(timeout=60_000)
    wait_for_app(page)
    title = page.get_by_text(re.compile(r"^#\d+ · ")).inner_text()
    clicked = int(title.split()[0][1:])
    near = [(px - x) ** 2 + (py - y) ** 2 for px, py, i in info["points"] if i == clicked][0]
    assert near <= 36  # the detail shows the point under the cursor (within 6 px)
    page.get_by_role("button", name="Open in Explore").wait_for(timeout=30_000)
    # a clicked point gets no star: the map figure is left alone, so plotly does not redraw it
    names = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullData.map(t => t.name)")
    assert f"#{clicked}" not in names and len(names) == 10
    _no_exceptions(page)
    page.screenshot(path=str(screenshots / "latent_map_detail.png"), full_page=True)
