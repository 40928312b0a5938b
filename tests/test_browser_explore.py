"""The Explore page in headless Chromium against ``streamlit run app.py`` (shipped package).

A pad slider moved with the keyboard must redraw the garment (in the browser) and the top-k
gallery (through the fragment), update the link, and flag the big map as behind until "Update the
map" is pressed. "use", map clicks and links move the pad from the server.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser

PAD = ".st-key-explore-pad"
GARMENT = f"{PAD} canvas.la-pad-garment"  # decoded in the browser
SLIDERS = f"{PAD} input.la-pad-input"
STATS = "() => window.__latentPads['explore.pad'].stats()"
NEIGHBOUR_CAPTIONS = ".st-key-explore-neighbours .la-caption"  # the gallery component's tiles
MINIMAP = ".st-key-explore-minimap img"  # the raster; "you are here" is drawn over it


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"() => window.__latentPads?.['explore.pad'] && ({STATS})().ready", timeout=120_000)
    page.locator(GARMENT).wait_for(state="visible", timeout=60_000)
    wait_for_app(page)


def _here(page) -> dict:
    """The live mini-map as drawn: its picture, and "you are here" and the dots over it."""
    return page.locator(".st-key-explore-minimap .la-minimap").evaluate(
        "m => ({src: m.querySelector('img').src, answer: m.querySelector('img').dataset.answer,"
        " here: [...m.querySelectorAll('.la-minimap-here')].map(c => [+c.getAttribute('cx'), +c.getAttribute('cy')]),"
        " dots: m.querySelectorAll('.la-minimap-dot').length})"
    )


def _pixels(page) -> list[int]:
    """The garment canvas's pixels (RGBA bytes)."""
    return page.locator(GARMENT).evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
    )


def _wait_server_move(page, seq: str) -> None:
    """Wait until the server has moved the pad (a new seq) and the app is idle."""
    page.wait_for_function(f"(seq) => ({STATS})().seq !== seq", arg=seq, timeout=60_000)
    wait_for_app(page)


def _captions(page) -> list[str]:
    return page.locator(NEIGHBOUR_CAPTIONS).all_inner_texts()


def _assert_no_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def check_slider_step(page, url: str) -> None:
    """The whole scenario, so it can also be run against a server started by hand."""
    _open(page, url)
    sliders = page.locator(SLIDERS)
    assert sliders.count() == 10
    garment0, minimap0, captions0 = _pixels(page), _here(page), _captions(page)
    assert len(captions0) == 12 and all(re.fullmatch(r"#\d+ [^\n]+", c) for c in captions0)  # no log q by default
    width = page.locator(GARMENT).evaluate("c => c.getBoundingClientRect().width")
    assert width >= 300  # the garment is shown large

    sliders.first.focus()
    for _ in range(30):  # 30 steps of 0.05: the most informative dimension moves to 1.5
        page.keyboard.press("ArrowRight")
    assert sliders.first.get_attribute("aria-valuetext") == "1.50"
    assert _pixels(page) != garment0  # redrawn in the browser, with no server round trip
    page.wait_for_function(
        "(before) => { const u = new URL(location.href).searchParams.get('z') || '';"
        " return u !== before && u.split(',').includes('1.5'); }",
        arg=page.url,
        timeout=30_000,
    )
    wait_for_app(page)
    minimap1 = _here(page)  # "you are here" moved on the live mini-map, drawn over the same picture
    assert minimap1["here"] != minimap0["here"] and minimap1["src"] == minimap0["src"]
    assert len(minimap1["here"]) == 1 and minimap1["dots"] == 12
    assert 1.5 in json.loads(minimap1["answer"]) and 1.5 not in json.loads(minimap0["answer"])  # drawn for the new z
    assert _captions(page) != captions0  # the likeliest garments changed
    assert "z=" in page.url and "1.5" in page.url.split("z=")[1].split("&")[0]
    # the big map is outside the fragment: it says it lags behind, and catches up on request
    page.get_by_text("still shows an earlier garment").wait_for(timeout=10_000)
    page.get_by_role("button", name="Update the map").click()
    page.get_by_text("The interactive map below shows this garment").wait_for(timeout=60_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 1
    _assert_no_error(page)


def test_slider_step_updates_garment_neighbours_and_link(app_server, page):
    check_slider_step(page, app_server)


def test_malformed_link_opens_with_a_notice(app_server, page):
    _open(page, f"{app_server}/?z=1,abc,nan,1e308&k=oops&map=umap")
    notice = page.locator('[data-testid="stAlert"]', has_text="This link was malformed")
    assert notice.count() == 1
    text = notice.inner_text()
    assert "not a number" in text and "clamped" in text and "missing 6 were set to 0" in text
    assert "z=1%2C0%2C0%2C8%2C0" in page.url or "z=1,0,0,8,0" in page.url  # the repaired link
    _assert_no_error(page)


_MAP_POINTS_JS = """() => {
  const gd = document.querySelector('.st-key-explore-map .js-plotly-plot');
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, out = [];
  gd._fullData.forEach(t => {
    if (!t.customdata || t.visible !== true || t.name === 'top-k neighbours') return;
    for (let i = 0; i < t.x.length; i++)
      out.push([box.left + xa.l2p(t.x[i]), box.top + ya.l2p(t.y[i]), Number(t.customdata[i])]);
  });
  return {points: out, plot: [box.left, box.top, box.width, box.height]};
}"""


def test_clicking_a_map_point_loads_that_garment(page, app_server):
    _open(page, app_server)
    plot = page.locator(".st-key-explore-map .js-plotly-plot")
    plot.scroll_into_view_if_needed()
    page.wait_for_selector(".st-key-explore-map canvas", timeout=60_000)
    before = page.evaluate(STATS)["seq"]
    info = page.evaluate(_MAP_POINTS_JS)
    left, top, width, height = info["plot"]
    inside = [p for p in info["points"] if left + 40 < p[0] < left + width - 40 and top + 40 < p[1] < top + height - 40]
    # the point with the fewest other points within 6 px, so the click cannot hit a neighbour
    xy = [(x, y) for x, y, _ in inside[::50]]
    x, y, _ = min(inside[::50], key=lambda p: sum((p[0] - a) ** 2 + (p[1] - b) ** 2 < 36 for a, b in xy))
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    _wait_server_move(page, before)
    assert re.search(r"item #\d+", page.locator('[data-testid="stMain"]').inner_text())
    # the map is below the fold: the page scrolls up to the garment it loaded
    page.wait_for_function(
        "() => { const r = document.querySelector('.st-key-explore-pad').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight / 2; }",
        timeout=15_000,
    )
    _assert_no_error(page)


def test_use_button_loads_that_neighbour(page, app_server):
    _open(page, f"{app_server}/?z=0.5,0.5,0,0,0,0,0,0,0,0")
    tiles = page.locator(".st-key-explore-neighbours .la-tile")
    assert tiles.count() == 12
    # garments are pixel-sharp thumbnails carried inside the page (no image request each)
    assert page.eval_on_selector(".la-tile img", "im => getComputedStyle(im).imageRendering") == "pixelated"
    assert page.eval_on_selector(".la-tile img", "im => im.src.startsWith('data:image/png')")
    third = tiles.nth(2).get_attribute("data-key")
    keys0 = tiles.evaluate_all("ts => ts.map((t, i) => { t.laMark = i; return t.dataset.key; })")
    before, pixels = page.evaluate(STATS)["seq"], _pixels(page)
    tiles.nth(2).get_by_role("button", name=f"use #{third}").click()
    _wait_server_move(page, before)
    # new neighbours are written into the same 12 tiles: each shows its own image, caption and button
    shown = tiles.evaluate_all(
        "ts => ts.map(t => [t.laMark, t.dataset.key, t.querySelector('img').alt,"
        " t.querySelector('.la-caption').innerText, t.querySelector('button').getAttribute('aria-label')])"
    )
    assert [m for m, *_ in shown] == list(range(12)) and [k for _, k, *_ in shown] != keys0
    for _, key, alt, caption, label in shown:
        assert alt.startswith(f"#{key} ") and caption.startswith(f"#{key} ") and label == f"use {alt}"
    page.wait_for_timeout(100)  # one animation frame
    assert _pixels(page) != pixels  # the pad shows the neighbour
    assert f"Started from item #{third} (" in page.locator('[data-testid="stMain"]').inner_text()
    assert "z=0.5%2C0.5%2C0%2C" not in page.url and "z=0.5,0.5,0," not in page.url  # the link follows
    _assert_no_error(page)


def test_drag_follows_the_pointer_and_release_gives_the_exact_neighbours(page, app_server):
    """A trusted 125 Hz mouse drag: the garment is redrawn while the button is held, the neighbours
    follow during the drag, and after release they equal ``python -m vae_core rank`` for the link's z."""
    import json
    import subprocess
    import sys
    from urllib.parse import parse_qs, urlparse

    from conftest import ROOT

    from bench.cdp import drag

    _open(page, app_server)
    box = page.locator(SLIDERS).first.bounding_box()
    y = box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    before = _pixels(page)
    frames0, captions0 = page.evaluate(STATS)["frames"], _captions(page)
    drag(cdp, (box["x"] + box["width"] / 2, y), (box["x"] + box["width"] * 0.9, y), seconds=1.5, release=False)
    held = page.evaluate(STATS)
    pixels_held = _pixels(page)
    page.wait_for_timeout(300)
    wait_for_app(page)
    captions_held = _captions(page)
    up = {"type": "mouseReleased", "x": box["x"] + box["width"] * 0.9, "y": y, "button": "left", "clickCount": 1}
    cdp.send("Input.dispatchMouseEvent", up)
    assert pixels_held != before and held["frames"] - frames0 >= 5  # redrawn before release
    assert held["n"] >= 1 and captions_held != captions0  # the neighbours followed during the drag
    value = round(held["values"][0], 3)
    link_has = "(v) => (new URL(location.href).searchParams.get('z') || '').split(',').includes(String(v))"
    page.wait_for_function(link_has, arg=value, timeout=30_000)
    page.wait_for_timeout(500)
    wait_for_app(page)
    query = parse_qs(urlparse(page.url).query)
    cmd = [sys.executable, "-m", "vae_core", "rank", "--z", query["z"][0], "--k", query["k"][0], "--json"]
    ranked = json.loads(subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    keys = page.locator(".st-key-explore-neighbours .la-tile").evaluate_all(
        "els => els.map((e) => Number(e.dataset.key))"
    )
    assert keys == ranked["indices"]
    _assert_no_error(page)
