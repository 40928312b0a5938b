"""The Interpolate page in a real headless Chromium against ``streamlit run app.py`` (shipped package).

Builds walks, checks the strips' images really load, plays the walk, uses latent arithmetic and
"open in Explore", and saves screenshots to look at (conftest's ``screenshots`` folder, printed at
the end of the run).
"""

from __future__ import annotations

import time

import pytest
from conftest import wait_for_app

from bench.cdp import drag

pytestmark = pytest.mark.browser


def loaded_images(pg, selector: str) -> int:
    """How many <img> under ``selector`` have actually loaded (natural width > 0)."""
    return pg.eval_on_selector_all(f"{selector} img", "els => els.filter(e => e.complete && e.naturalWidth > 0).length")


def no_exceptions(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.errors == []


def open_interpolate(pg, url: str) -> None:
    """Open the app at its root (so app.py sets up navigation), then go to Interpolate."""
    pg.goto(url)
    wait_for_app(pg, 180_000)
    pg.locator('[data-testid="stSidebarNav"] a', has_text="Interpolate").click()
    pg.wait_for_selector(".st-key-interp_strip_linear img", timeout=180_000)
    wait_for_app(pg, 180_000)


def wait_until(pg, predicate, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        pg.wait_for_timeout(250)
    raise AssertionError("condition not met in time")


FRAME_PAD = ".st-key-interp-frame_pad"


def frame_pad(pg) -> dict:
    """The walk-frame pad's state in the browser (values, frames drawn, reports)."""
    return pg.evaluate("() => window.__latentPads['interp.frame_pad'].stats()")


def frame_slider_value(pg) -> float:
    return frame_pad(pg)["values"][0]


def test_walk_strip_player_arithmetic_and_explore(app_server, page, screenshots):
    pg = page
    open_interpolate(pg, app_server)
    no_exceptions(pg)
    # default: 10 frames + the inserted midpoint, each over its nearest training garment
    strip = ".st-key-interp_strip_linear"
    wait_until(pg, lambda: loaded_images(pg, strip) == 22)
    assert pg.locator(strip).get_by_text("★ 5 · t=0.50").count() == 1
    pg.screenshot(path=str(screenshots / "interpolate-default.png"), full_page=True)

    # 32 frames (keyboard on the slider: End), both methods side by side
    pg.locator('.st-key-interp-frames input[type="range"]').focus()
    pg.keyboard.press("End")
    wait_for_app(pg, 180_000)
    pg.locator(".st-key-interp-method button", has_text="Both").click()
    wait_for_app(pg, 180_000)
    wait_until(pg, lambda: loaded_images(pg, ".st-key-interp_strip_slerp") == 66)
    assert loaded_images(pg, strip) == 66  # 32 frames + midpoint, and 33 nearest garments
    no_exceptions(pg)
    pg.set_viewport_size({"width": 1400, "height": 4200})
    pg.wait_for_timeout(1500)
    pg.screenshot(path=str(screenshots / "interpolate-32-both.png"))
    pg.set_viewport_size({"width": 1400, "height": 1000})

    # the map shows the walk
    assert pg.locator(".st-key-interp-map .js-plotly-plot").count() == 1

    # autoplay steps through the frames on its own; stopping leaves the slider where it was
    # at 1 frame/s a loop of 33 frames takes 33 s, so the player cannot wrap back to frame 0
    # between starting and stopping (the check below expects a frame after 0)
    pg.locator('.st-key-interp-fps input[type="range"]').focus()
    pg.keyboard.press("Home")
    wait_for_app(pg)
    pg.locator(".st-key-interp-play label").click()
    progress = pg.locator('[data-testid="stProgress"]')
    progress.wait_for(timeout=30_000)
    first = progress.inner_text()
    wait_until(pg, lambda: progress.count() and progress.inner_text() != first, 60)
    pg.locator(".st-key-interp-play label").click()
    pg.locator(f"{FRAME_PAD} canvas.la-pad-garment").first.wait_for(timeout=30_000)
    wait_for_app(pg)
    # stopping leaves the slider on the frame shown (the rerun that restores it may land late)
    wait_until(pg, lambda: frame_slider_value(pg) > 0, 60)
    no_exceptions(pg)

    # the frame slider is a latent pad: a mouse drag redraws both walks' garments before the
    # button goes up, and on release it rests on a whole frame that the server's captions show
    assert pg.locator(f"{FRAME_PAD} canvas.la-pad-garment").count() == 2  # linear and slerp
    box = pg.locator(f"{FRAME_PAD} input.la-pad-input").bounding_box()
    y = box["y"] + box["height"] / 2
    start = frame_pad(pg)
    cdp = pg.context.new_cdp_session(pg)
    drag(cdp, (box["x"] + 8, y), (box["x"] + box["width"] * 0.6, y), seconds=0.8, release=False)
    mid = frame_pad(pg)
    cdp.send(
        "Input.dispatchMouseEvent",
        {
            "type": "mouseReleased",
            "x": box["x"] + box["width"] * 0.6,
            "y": y,
            "button": "left",
            "buttons": 0,
            "clickCount": 1,
        },
    )
    assert mid["frames"] - start["frames"] >= 5, "the walk did not follow the drag"
    assert mid["values"][0] != round(mid["values"][0])  # between two frames while the hand moves
    wait_until(pg, lambda: frame_pad(pg)["values"][0] == round(frame_pad(pg)["values"][0]), 10)
    rest = int(frame_pad(pg)["values"][0])
    assert 10 <= rest <= 22
    pg.get_by_text(f"Linear, frame {rest} ").first.wait_for(timeout=30_000)  # the server followed
    no_exceptions(pg)

    # latent arithmetic: T-shirt/top -> Shirt by default
    pg.get_by_role("tab", name="Latent arithmetic").click()
    pg.wait_for_selector("text=result (strength +1.0)", timeout=60_000)
    wait_for_app(pg)
    no_exceptions(pg)
    pg.screenshot(path=str(screenshots / "interpolate-arithmetic.png"), full_page=True)
    pg.set_viewport_size({"width": 1400, "height": 3000})
    pg.wait_for_timeout(1500)
    pg.screenshot(path=str(screenshots / "interpolate-arithmetic-full.png"))
    pg.set_viewport_size({"width": 1400, "height": 1000})

    # open the current frame in Explore
    pg.get_by_role("tab", name="Walk").click()
    pg.locator(".st-key-interp-explore-linear button:visible").click()
    pg.wait_for_selector("text=Explore the latent space", timeout=60_000)
    wait_for_app(pg)
    no_exceptions(pg)
    pg.screenshot(path=str(screenshots / "interpolate-open-in-explore.png"))


def test_bad_choices_show_notices_not_tracebacks(app_server, page, screenshots):
    pg = page
    open_interpolate(pg, app_server)
    index_b = pg.locator(".st-key-interp-B-index input")
    index_b.fill(pg.locator(".st-key-interp-A-index input").input_value())
    index_b.press("Enter")
    pg.wait_for_selector("text=A and B are the same garment", timeout=60_000)
    index_b.fill("99999999")
    index_b.press("Enter")
    pg.wait_for_selector("text=is outside the training data", timeout=60_000)
    wait_for_app(pg)
    no_exceptions(pg)
    pg.screenshot(path=str(screenshots / "interpolate-bad-index.png"))


_CANVASES = f"{FRAME_PAD} canvas.la-pad-garment"
_READ = "cs => cs.map(c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data))"


def test_frame_slider_drags_after_linear_to_both(app_server, page):
    """Linear -> Both moves the player down (a second strip appears above it) and Streamlit mounts
    the pad anew before it unmounts the old one: the drag must still redraw both garments and the
    readout (it froze at 0.00 while the server's caption moved on)."""
    pg = page
    open_interpolate(pg, app_server)
    pg.locator(".st-key-interp-method button", has_text="Both").click()
    pg.wait_for_selector(".st-key-interp_strip_slerp img", timeout=180_000)
    wait_for_app(pg, 180_000)
    wait_until(pg, lambda: pg.locator(_CANVASES).count() == 2)
    before = pg.locator(_CANVASES).evaluate_all(_READ)
    frames0 = frame_pad(pg)["frames"]
    track = pg.locator(f"{FRAME_PAD} input.la-pad-input")
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    y = box["y"] + box["height"] / 2
    drag(pg.context.new_cdp_session(pg), (box["x"] + 8, y), (box["x"] + box["width"] * 0.9, y), seconds=0.8)
    wait_until(pg, lambda: frame_pad(pg)["values"][0] >= 8, 10)
    after = pg.locator(_CANVASES).evaluate_all(_READ)
    assert frame_pad(pg)["frames"] - frames0 >= 5, "the garments were not redrawn during the drag"
    assert all(b != a for b, a in zip(before, after, strict=True)), "a garment stayed on frame 0"
    readout = pg.locator(f"{FRAME_PAD} .la-pad-value").inner_text()
    assert readout == f"{frame_pad(pg)['values'][0]:.2f}" and readout != "0.00"
    no_exceptions(pg)
