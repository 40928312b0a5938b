"""Layouts, touch and the stage in a real headless Chromium against ``streamlit run app.py``.

A phone (390 x 844, touch): no page wider than the screen, the garment entirely in view above
the sliders while they scroll, a touch drag moves a slider and the garment; a laptop
(1366 x 768): Explore's ten sliders, garment and mini-map above the fold; a large screen
(1920 x 1080): the garment grows. Interpolate: A, B and the path survive a trip to Explore, the
link reopens the same screen (playing the walk: ``test_browser_interpolate.py``).
"""

from __future__ import annotations

import pytest
from conftest import wait_for_app

pytestmark = pytest.mark.browser

PAD = ".st-key-explore-pad"
GARMENT = f"{PAD} canvas.la-pad-garment"
FRAME_PAD = ".st-key-interp-frame_pad"
WIDTHS = """() => { const m = document.querySelector('[data-testid="stMain"]');
  return [document.documentElement.scrollWidth, m.scrollWidth, m.clientWidth]; }"""


def open_page(pg, url: str, path: str, ready: str) -> None:
    pg.goto(f"{url}/{path}")
    pg.wait_for_selector(ready, timeout=180_000)
    wait_for_app(pg, 180_000)


def pad_stats(pg, key: str) -> dict:
    return pg.evaluate(f"() => window.__latentPads[{key!r}].stats()")


def wait_ready(pg, key: str) -> None:
    pg.wait_for_function(f"() => window.__latentPads?.[{key!r}]?.stats().ready", timeout=60_000)


def inside(box: dict, width: float, height: float) -> bool:
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


def test_phone_stacks_without_sideways_scrolling_and_drags_by_touch(app_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        open_page(pg, app_server, "", GARMENT)
        wait_ready(pg, "explore.pad")
        assert max(pg.evaluate(WIDTHS)) <= 390  # the document and the main pane fit the screen
        # scroll the sliders into view: the garment stays in view above them (sticky)
        first = pg.locator(f"{PAD} input.la-pad-input").first
        pg.locator(f"{PAD} input.la-pad-input").nth(4).evaluate("e => e.scrollIntoView({block: 'center'})")
        pg.wait_for_timeout(300)
        garment = pg.locator(GARMENT).bounding_box()
        assert inside(garment, 390, 844) and garment["width"] >= 240
        first.evaluate("e => e.scrollIntoView({block: 'center'})")
        pg.wait_for_timeout(300)
        slider = first.bounding_box()
        assert slider["y"] >= garment["y"] + garment["height"]  # the sliders under the garment
        # a touch drag (trusted touch events through the DevTools Protocol)
        before = pad_stats(pg, "explore.pad")
        cdp = context.new_cdp_session(pg)
        x, y = slider["x"] + slider["width"] / 2, slider["y"] + slider["height"] / 2
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for i in range(1, 16):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x + 8 * i, "y": y}]})
            pg.wait_for_timeout(30)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        pg.wait_for_function(
            "(n) => window.__latentPads['explore.pad'].stats().taken > n", arg=before["taken"], timeout=20_000
        )
        after = pad_stats(pg, "explore.pad")
        assert after["values"][0] > 1.0 and after["frames"] - before["frames"] >= 5
        assert inside(pg.locator(GARMENT).bounding_box(), 390, 844)
        # Interpolate on the phone: no sideways scrolling either, and the player's garments fit
        open_page(pg, app_server, "interpolate", f"{FRAME_PAD} canvas.la-pad-garment")
        assert max(pg.evaluate(WIDTHS)) <= 390
        pg.locator(f"{FRAME_PAD} canvas.la-pad-garment").first.evaluate("e => e.scrollIntoView({block: 'center'})")
        pg.wait_for_timeout(300)
        assert inside(pg.locator(f"{FRAME_PAD} canvas.la-pad-garment").first.bounding_box(), 390, 844)
        assert errors == []
    finally:
        context.close()


def test_laptop_fits_above_the_fold_and_the_garment_grows_on_a_large_screen(app_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    try:
        open_page(pg, app_server, "", GARMENT)
        pg.wait_for_selector(".st-key-explore-live_map img", timeout=60_000)
        pg.wait_for_timeout(500)
        sliders = pg.locator(f"{PAD} input.la-pad-input")
        assert sliders.count() == 10
        for box in [sliders.nth(i).bounding_box() for i in range(10)]:
            assert inside(box, 1366, 768)
        assert inside(pg.locator(GARMENT).bounding_box(), 1366, 768)
        assert inside(pg.locator(".st-key-explore-live_map img").bounding_box(), 1366, 768)
        laptop = pg.locator(GARMENT).bounding_box()["width"]
        pg.set_viewport_size({"width": 1920, "height": 1080})
        pg.wait_for_timeout(800)
        large = pg.locator(GARMENT).bounding_box()["width"]
        assert large > 380 and large > laptop * 1.3, (laptop, large)  # it was capped at 336 px
        assert inside(pg.locator(GARMENT).bounding_box(), 1920, 1080)
    finally:
        context.close()


def test_interpolate_keeps_its_walk_and_its_link_reopens_it(app_server, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    try:
        open_page(pg, app_server, "interpolate", ".st-key-interp_strip_linear img")
        b = pg.locator(".st-key-interp-B-index input")
        b.fill("9")
        b.press("Enter")
        wait_for_app(pg, 180_000)
        pg.locator(".st-key-interp-method button", has_text="Spherical").click()
        pg.wait_for_selector(".st-key-interp_strip_slerp img", timeout=180_000)
        wait_for_app(pg, 180_000)
        strip = pg.locator(".st-key-interp_strip_slerp").inner_text()
        link = pg.url
        assert "b=9" in link and "method=slerp" in link
        # to Explore and back through the navigation: A, B and the path are kept
        pg.locator('[data-testid="stSidebarNav"] a', has_text="Explore").click()
        pg.wait_for_selector(GARMENT, timeout=120_000)
        wait_for_app(pg, 180_000)
        pg.locator('[data-testid="stSidebarNav"] a', has_text="Interpolate").click()
        pg.wait_for_selector(".st-key-interp_strip_slerp img", timeout=180_000)
        wait_for_app(pg, 180_000)
        assert pg.locator(".st-key-interp-B-index input").input_value() == "9"
        assert pg.locator(".st-key-interp_strip_slerp").inner_text() == strip
        # the link, opened in a fresh browser, shows the same walk
        fresh = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        try:
            fresh.goto(link)
            fresh.wait_for_selector(".st-key-interp_strip_slerp img", timeout=180_000)
            wait_for_app(fresh, 180_000)
            assert fresh.locator(".st-key-interp-B-index input").input_value() == "9"
            assert fresh.locator(".st-key-interp_strip_slerp").inner_text() == strip
        finally:
            fresh.context.close()
    finally:
        context.close()
