"""The designer's workbench in headless Chromium against ``streamlit run app.py`` (shipped package).

Sliders are dragged with trusted mouse events through the DevTools Protocol (``bench.cdp.drag``).
Checked against the package itself, in this process: the names of every slider's ends and "looks
like" are the class sums of the exact posterior (``ModelPackage.rank`` over the whole catalogue);
undo, a history thumbnail and the browser's Back restore an earlier z exactly, each release is
one browser history entry; a direction made from two box selections on the Latent map is a
slider on Explore that moves the garment toward selection B's mean.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from conftest import wait_for_app
from test_browser_map import _POINTS_JS

from bench.cdp import drag
from ui.explore.sliders import LOOKS, UNCHANGED
from ui.explore.state import slider_specs
from ui.explore.step import looks_like_text
from vae_core import ModelPackage

pytestmark = pytest.mark.browser

PAD = ".st-key-explore-pad"
SLIDERS = f"{PAD} input.la-pad-input"
STATS = "() => window.__latentPads['explore.pad'].stats()"
WORDS = {UNCHANGED} | {w for look in LOOKS for w in (look.less, look.more)}


@pytest.fixture(scope="module")
def shipped(shipped_package_dir) -> ModelPackage:
    return ModelPackage.load(shipped_package_dir)


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"() => window.__latentPads?.['explore.pad'] && ({STATS})().ready", timeout=120_000)
    wait_for_app(page)


def _z(page) -> np.ndarray:
    return np.array([float(v) for v in parse_qs(urlparse(page.url).query)["z"][0].split(",")])


def _pad_z(page, pkg: ModelPackage) -> np.ndarray:
    """The z the pad's sliders hold now (its values are in slider order)."""
    z = np.zeros(pkg.latent_dim)
    for spec, v in zip(slider_specs(pkg.kl_per_dim), page.evaluate(STATS)["values"], strict=False):
        z[spec.dim] = v
    return z


def _drag(page, i: int, to: float) -> str:
    """Drag slider ``i`` (by its label) from its thumb to ``to`` (0..1 of its width) with trusted
    mouse events, release, and wait for the new link; returns it."""
    before = page.url
    row = page.locator(SLIDERS).nth(i)
    row.scroll_into_view_if_needed()
    box = row.bounding_box()
    y = box["y"] + box["height"] / 2
    value = page.evaluate(STATS)["values"][i]
    x0 = box["x"] + 8 + (box["width"] - 16) * (value + 3) / 6  # the thumb (+-3 range)
    drag(page.context.new_cdp_session(page), (x0, y), (box["x"] + box["width"] * to, y), seconds=0.6)
    page.wait_for_function("(u) => location.href !== u", arg=before, timeout=30_000)
    wait_for_app(page)
    return page.url


def _until(page, check, timeout_s: float = 30.0, what: str = "the page") -> None:
    """Poll ``check()`` until it is true (the page updates in its own time)."""
    for _ in range(int(timeout_s / 0.25)):
        if check():
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"{what} did not follow within {timeout_s:.0f} s")


def _shows(page, pkg: ModelPackage, z: np.ndarray) -> None:
    """Wait until the link and the pad's sliders both hold ``z`` exactly (3 decimals, as kept)."""
    _until(page, lambda: np.array_equal(_z(page), z), what="the link")
    wait_for_app(page)
    _until(page, lambda: np.allclose(_pad_z(page, pkg), z, atol=1e-9, rtol=0), what="the pad")


def _class_sums(pkg: ModelPackage, z: np.ndarray) -> np.ndarray:
    """p(class | z) from the whole exact ranking: softmax of every item's log q, summed per class."""
    ranking = pkg.rank(z, len(pkg))
    w = np.exp(ranking.scores - ranking.scores[0])
    return np.bincount(ranking.labels, weights=w, minlength=len(pkg.class_names)) / w.sum()


def _ends(page) -> list[tuple[str, str]]:
    rows = page.locator(f"{PAD} .la-pad-ends")
    return [tuple(t.strip(" ◂▸") for t in rows.nth(i).locator("span").all_inner_texts()) for i in range(rows.count())]


def _check_names(page, pkg: ModelPackage) -> None:
    """Every end is named by the class holding most of the exact posterior there, or (both ends
    that class) by words for how it looks; "looks like" is the class sums at z."""
    z = _z(page)
    ends = _ends(page)
    assert len(ends) == pkg.latent_dim
    for spec, (low, high) in zip(slider_specs(pkg.kl_per_dim), ends, strict=True):
        lo, hi = z.copy(), z.copy()
        lo[spec.dim], hi[spec.dim] = -3.0, 3.0
        best_lo, best_hi = (pkg.class_names[int(np.argmax(_class_sums(pkg, e)))] for e in (lo, hi))
        if best_lo != best_hi:
            assert (low, high) == (best_lo, best_hi)
        else:
            assert {w.strip() for w in f"{low}, {high}".split(",")} <= WORDS
    looks = page.locator(".st-key-explore-looks").inner_text()
    assert f"Looks like: {looks_like_text(_class_sums(pkg, z), pkg.class_names)}" in looks


def _no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []


def test_slider_ends_and_looks_like_follow_the_garment(page, app_server, shipped):
    _open(page, f"{app_server}/?z=0.5,-0.3,0.8,0,0,1.2,0,0.2,0,0")
    page.locator(f"{PAD} .la-pad-ends:not([hidden])").nth(shipped.latent_dim - 1).wait_for(timeout=60_000)
    _check_names(page, shipped)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "nats" not in text and "log q" not in text and "novel" not in text
    before = _ends(page)
    _drag(page, 0, 0.9)  # the ends are named again for the garment let go
    _until(page, lambda: _ends(page) != before, what="the slider ends")
    wait_for_app(page)
    _check_names(page, shipped)
    _no_errors(page)


def test_undo_thumbnails_and_back_restore_earlier_garments_exactly(page, app_server, shipped):
    _open(page, f"{app_server}/?z=0,0,0,0,0,0,0,0,0,0")
    entries = page.evaluate("history.length")
    z0 = _z(page)
    _drag(page, 0, 0.85)
    z1 = _z(page)
    _drag(page, 1, 0.2)
    z2 = _z(page)
    assert page.evaluate("history.length") == entries + 2  # one entry per release, none during a drag
    assert not np.array_equal(z1, z2) and not np.array_equal(z0, z1)

    slider = page.locator(SLIDERS).nth(2)
    slider.focus()
    page.keyboard.press("ArrowRight")  # a key press is a released change too: one step, one entry
    page.wait_for_function("(u) => location.href !== u", arg=page.url, timeout=30_000)
    wait_for_app(page)
    z3 = _z(page)
    assert z3[slider_specs(shipped.kl_per_dim)[2].dim] == 0.05 and page.evaluate("history.length") == entries + 3
    focused = page.evaluate("() => (document.activeElement?.shadowRoot?.activeElement || document.activeElement)?.type")
    assert focused == "range"  # Ctrl+Z with the focus on a slider
    page.keyboard.press("Control+z")
    _shows(page, shipped, z2)  # exactly the previous garment, in the link and the sliders
    page.keyboard.press("Control+z")
    _shows(page, shipped, z1)
    page.keyboard.press("Control+Shift+z")
    _shows(page, shipped, z2)

    steps = page.locator(".st-key-explore-history_strip .la-hist-step")
    assert steps.count() == 4
    steps.nth(0).click()  # the first step's thumbnail
    _shows(page, shipped, z0)
    page.go_back()  # Back: the garment shown before the thumbnail was clicked, exactly
    _shows(page, shipped, z2)
    page.go_back()
    _shows(page, shipped, z1)
    page.go_forward()
    _shows(page, shipped, z2)
    assert "Closest real piece" in page.locator(".st-key-explore-looks").inner_text()
    _no_errors(page)


def _box_select(page, x0: float, y0: float, x1: float, y1: float) -> None:
    """Drag a box on the map with the mouse (the box tool picked in its toolbar)."""
    left, top, width, height = page.evaluate(_POINTS_JS)["plot"]
    page.mouse.move(left + width / 2, top + height / 2)  # the toolbar shows on hover
    page.locator('.modebar-btn[data-val="select"]').first.click()
    xa, ya, xb, yb = left + x0 * width, top + y0 * height, left + x1 * width, top + y1 * height
    page.mouse.move(xa, ya)
    page.mouse.down()
    page.mouse.move((xa + xb) / 2, (ya + yb) / 2, steps=4)
    page.mouse.move(xb, yb, steps=4)
    page.mouse.up()
    page.get_by_text(re.compile(r"^[\d,]+ garments? selected on the map$")).wait_for(timeout=60_000)
    wait_for_app(page)


def test_a_direction_made_from_two_selections_moves_the_garment_toward_b(page, app_server, shipped):
    from store import open_store

    page.goto(app_server)  # (the root first: see test_browser_map)
    wait_for_app(page, 120_000)
    page.goto(f"{app_server}/latent_map")
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot'); return gd && gd._fullData?.length >= 10; }",
        timeout=120_000,
    )
    wait_for_app(page)
    _box_select(page, 0.15, 0.2, 0.35, 0.4)
    page.get_by_role("button", name="Keep as A").click()
    wait_for_app(page)
    page.get_by_role("button", name="Clear").click()
    wait_for_app(page)
    _box_select(page, 0.6, 0.6, 0.8, 0.8)
    page.get_by_role("button", name="Keep as B").click()
    wait_for_app(page)
    name = f"toward the corner {os.getpid()}"
    page.get_by_label("Name of the direction").fill(name)
    page.get_by_role("button", name="Save direction").click()
    page.get_by_text(f"Saved the direction {name}").wait_for(timeout=60_000)
    store = open_store(os.environ["LATENT_ATELIER_DATABASE_URL"])  # the app_server's database
    (made,) = [d for d in store.directions.list(shipped.identity) if d.name == name]
    try:
        _try_the_direction(page, shipped, made, name)
    finally:  # the server is shared: later tests expect Explore's ten sliders
        store.directions.delete(shipped.identity, made.id)
        store.close()


def _try_the_direction(page, shipped: ModelPackage, made, name: str) -> None:
    mu = shipped.mu.astype(np.float64)
    mean_a, mean_b = mu[list(made.from_indices)].mean(0), mu[list(made.to_indices)].mean(0)
    np.testing.assert_allclose(made.vector, mean_b - mean_a, rtol=1e-9)
    _no_errors(page)

    page.get_by_role("link", name="Try it on Explore").click()
    page.wait_for_function(f"() => window.__latentPads?.['explore.pad'] && ({STATS})().ready", timeout=120_000)
    wait_for_app(page)
    labels = page.locator(f"{PAD} .la-pad-label").all_inner_texts()
    assert labels[-1] == f"⇄ {name}"
    z0 = _z(page)
    _drag(page, len(labels) - 1, 0.85)  # the direction's slider, from its middle to the right
    z1 = _z(page)
    step = z1 - z0
    v = made.vector / np.linalg.norm(made.vector)
    assert np.dot(step, v) > 0.5 and np.dot(step, v) / np.linalg.norm(step) > 0.999  # along v, forward
    assert np.linalg.norm(z1 - mean_b) < np.linalg.norm(z0 - mean_b)  # toward B's mean
    _shows(page, shipped, z1)
    assert page.evaluate(STATS)["values"][-1] == 0  # the direction slider is back in the middle
    _no_errors(page)
