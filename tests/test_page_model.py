"""The Model page under AppTest (tiny 600-item package): curves, metrics, reconstructions, KL,
traversal controls, prior samples and retrieval quality."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import plotly_array as _array
from conftest import run_page
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.common.text import plain
from vae_core import ModelPackage
from vae_core.latent.traversal import samples_with_neighbours

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "model.py")


@pytest.fixture()
def app(tiny_package_dir, data_dir, monkeypatch) -> AppTest:
    return run_page(PAGE, tiny_package_dir, data_dir, monkeypatch)


def _charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs by chart key without the "model." prefix ("curves", "kl", ...)."""
    return {c.proto.id.rsplit("-model.", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def test_training_curves_and_test_metrics(app, pkg):
    spec = _charts(app)["curves"]
    lines = {(t["xaxis"], t["name"]): t for t in spec["data"]}
    assert len(spec["data"]) == 6  # 3 panels x (train, test)
    history = pkg.history
    assert len(history) == 2
    np.testing.assert_allclose(_array(lines[("x", "train")]["y"]), [h["train_neg_elbo"] for h in history])
    np.testing.assert_allclose(_array(lines[("x2", "test")]["y"]), [h["test_recon"] for h in history])
    np.testing.assert_allclose(_array(lines[("x3", "test")]["y"]), [h["test_kl"] for h in history])
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Test negative ELBO"] == f"{pkg.metrics['test_neg_elbo']:.1f}"
    assert metrics["KL"] == f"{pkg.metrics['test_kl']:.1f}"
    assert metrics["5-NN accuracy"] == f"{100 * pkg.metrics['knn5_accuracy']:.1f}%"
    active = int((pkg.kl_per_dim > 0.01).sum())
    assert metrics["Active units"] == f"{active} / 10"


def test_reconstructions_one_per_class_and_reshuffle(app):
    recon = [img for img in app.image if "(test #" in img.proto.imgs[0].caption]
    assert len(recon) == 10
    first = [img.proto.imgs[0].caption for img in recon]
    assert [plain(c).split(" (test")[0] for c in first][:2] == ["T-shirt/top", "Trouser"]
    app.button(key="model.other_recon").click().run()
    again = [img.proto.imgs[0].caption for img in app.image if "(test #" in img.proto.imgs[0].caption]
    assert again != first and len(again) == 10


def test_reconstructions_need_no_data_folder(tiny_package_dir, pkg, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(tmp_path / "no-data"))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert not [i.value for i in at.info if i.value.startswith("Test images are unavailable")]
    recon = [img for img in at.image if "(test #" in img.proto.imgs[0].caption]
    assert len(recon) == 10  # from the package's own held-out images
    rows = {int(plain(img.proto.imgs[0].caption).split("#")[1].rstrip(")")) for img in recon}
    assert rows <= set(pkg.held_out.rows.tolist())


def test_an_older_package_without_data_says_how_to_get_both(tiny_package_copy, tmp_path, monkeypatch):
    from tests.test_package_health import _strip_health

    _strip_health(tiny_package_copy)
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_copy))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(tmp_path / "no-data"))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    notice = [i.value for i in at.info if i.value.startswith("Test images are unavailable")]
    assert notice and "LATENT_ATELIER_DATA_DIR" in notice[0]
    assert any("health not measured" in e.value for e in at.markdown)
    assert any(c.value == "python -m vae_core upgrade --package copy --data DIR" for c in at.code)


def test_kl_bars_match_the_package(app, pkg):
    bars = _charts(app)["kl"]["data"][0]
    np.testing.assert_allclose(_array(bars["y"]), pkg.kl_per_dim, rtol=1e-9)


def _png(data_uri: str) -> np.ndarray:
    """The grayscale pixels of a "data:image/png;base64,..." URI."""
    assert data_uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1]))).convert("L"))


def _traversal(at: AppTest) -> dict:
    return _charts(at)["traversal"]


def test_traversal_grid_default_and_controls(app, pkg):
    spec = _traversal(app)
    assert spec["layout"]["xaxis"]["ticktext"] == [f"{v:+.3g}" for v in np.linspace(-3, 3, 9)]
    rows = spec["layout"]["yaxis"]["ticktext"]
    order = np.argsort(-pkg.kl_per_dim, kind="stable")
    assert rows == [f"z{d + 1} · {pkg.kl_per_dim[d]:.2f} nats" for d in order]  # most used first; named as on Explore
    app.slider(key="model.trav_a").set_value(2.0).run()
    app.slider(key="model.trav_steps").set_value(5).run()
    app.toggle(key="model.trav_sort").set_value(False).run()
    spec = _traversal(app)
    assert spec["layout"]["xaxis"]["ticktext"] == ["-2", "-1", "+0", "+1", "+2"]
    assert [r.split(" ·")[0] for r in spec["layout"]["yaxis"]["ticktext"]] == [f"z{d + 1}" for d in range(10)]
    assert app.radio(key="model.trav_base").options == ["0 (the prior's centre)"]  # no Explore z yet


def test_traversal_image_is_the_decoded_grid(app, pkg):
    """The grid's top-left cell is decode(z) with the most-used dimension at -3, the rest 0."""
    from vae_core.images import to_uint8

    img = _traversal(app)["data"][0]
    z = np.zeros(10, dtype=np.float32)
    z[int(np.argmax(pkg.kl_per_dim))] = -3.0
    expected = to_uint8(pkg.decode(z))
    assert img["type"] == "image"
    cell = _png(img["source"])[: 28 * 2 : 2, : 28 * 2 : 2]  # undo the 2x upscale
    np.testing.assert_array_equal(cell, expected)


def test_traversal_can_start_from_the_explore_pages_z(app, pkg):
    base = np.linspace(-1, 1, 10)
    app.session_state["explore.z"] = base.tolist()
    app.run()
    app.radio(key="model.trav_base").set_value("explore").run()
    assert not app.exception
    from vae_core.images import to_uint8

    img = _traversal(app)["data"][0]
    z = base.astype(np.float32).copy()
    z[int(np.argmax(pkg.kl_per_dim))] = -3.0
    cell = _png(img["source"])[: 28 * 2 : 2, : 28 * 2 : 2]
    np.testing.assert_array_equal(cell, to_uint8(pkg.decode(z)))


def test_a_malformed_explore_z_is_ignored(app):
    app.session_state["explore.z"] = [1.0, 2.0]  # wrong length
    app.run()
    assert not app.exception
    assert app.radio(key="model.trav_base").options == ["0 (the prior's centre)"]


def _sample_captions(at: AppTest) -> list[str]:
    return [plain(img.proto.imgs[0].caption) for img in at.image if "typicality" in img.proto.imgs[0].caption]


def test_prior_samples_show_their_nearest_garment_and_new_samples_change_them(app, pkg):
    captions = _sample_captions(app)
    expected = samples_with_neighbours(pkg, 8, seed=0)
    assert captions == [
        f"#{s.nearest} {pkg.class_names[s.label]} · log q {s.log_q:.1f} · typicality {s.typicality:.0f}%"
        for s in expected
    ]
    app.button(key="model.new_samples").click().run()
    again = _sample_captions(app)
    assert len(again) == 8 and again != captions
    assert any("with seed 1." in c.value for c in app.caption)


def test_retrieval_quality_bars_and_command(app, pkg):
    bars = _charts(app)["retrieval"]["data"][0]
    np.testing.assert_allclose(
        _array(bars["y"]),
        [
            100 * pkg.metrics["retrieval_top10_same_class_log_q"],
            100 * pkg.metrics["retrieval_top10_same_class_euclidean"],
        ],
    )
    assert any("python -m vae_core eval --package" in c.value for c in app.code)


def test_retrieval_without_metrics_says_how_to_compute_them(tiny_package_copy, data_dir, monkeypatch):
    pkg = ModelPackage.load(tiny_package_copy)
    pkg.metrics = {k: v for k, v in pkg.metrics.items() if not k.startswith("retrieval")}
    pkg.save(tiny_package_copy)
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_copy))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert any("holds no retrieval metrics" in i.value and "vae_core eval" in i.value for i in at.info)


def test_renders_the_shipped_package(shipped_package_dir, data_dir, monkeypatch):
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(shipped_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception and not at.warning and not at.error
    pkg = ModelPackage.load(shipped_package_dir)
    assert len(_array(_charts(at)["curves"]["data"][0]["y"])) == len(pkg.history) > 0
    assert {m.label: m.value for m in at.metric}["Test negative ELBO"] == f"{pkg.metrics['test_neg_elbo']:.1f}"
    assert len(_sample_captions(at)) == 8


def test_long_history_curves_zoom_past_the_first_epoch_and_show_dashes():
    from ui.common.figures import curves_figure

    epochs = 40
    neg = [400.0] + [260.0 - i for i in range(epochs - 1)]  # epoch 1 far above the rest
    history = [
        {
            "epoch": e + 1,
            "train_neg_elbo": neg[e],
            "test_neg_elbo": neg[e] + 3.0,
            "train_recon": 220.0,
            "test_recon": 222.0,
            "train_kl": 150.0 if e == 0 else 20.0 - 0.1 * e,
            "test_kl": 50.0 if e == 0 else 20.0 - 0.1 * e,
        }
        for e in range(epochs)
    ]
    fig = curves_figure(history)
    low, high = fig.layout.yaxis.range
    later = neg[1:] + [v + 3.0 for v in neg[1:]]
    pad = 0.05 * (max(later) - min(later))
    assert (low, high) == pytest.approx((min(later) - pad, max(later) + pad))
    assert high < 400.0  # the first epoch is off the chart, not flattening it
    assert fig.layout.yaxis3.range[1] < 50.0
    assert {t.mode for t in fig.data} == {"lines"}  # 40 markers would hide the dashes
    assert {t.line.dash for t in fig.data if t.name == "test"} == {"dash"}
    short = curves_figure(history[:3])
    assert short.layout.yaxis.range is None and {t.mode for t in short.data} == {"lines+markers"}


def test_the_verdict_is_shown_with_its_reason_and_error_bar(app, pkg):
    h = pkg.health
    assert any("collapsed: the model learned almost nothing" in e.value for e in app.markdown)
    assert plain(h.reason) in [plain(e.value) for e in app.markdown]
    assert plain(h.advice) in [plain(e.value) for e in app.markdown]
    bar = _charts(app)["health"]["data"][0]
    np.testing.assert_allclose(_array(bar["x"]), [h.figures.mean_image_error, h.figures.recon_error])
    assert any(f"Measured on {h.figures.held_out} images the model never trained on" in c.value for c in app.caption)


def test_an_image_package_is_described_as_its_own_without_a_data_folder(colour_package_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(colour_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(tmp_path / "no-data"))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception and not at.error
    caption = plain(at.caption[0].value)
    assert "trained on 270 of your own colour images in 3 classes at 32 px (30 more held out" in caption
    assert "Fashion-MNIST" not in caption and "Package: **my-garments**" in caption
    help_text = {m.label: m.help for m in at.metric}["Reconstruction"]
    assert "discretised logistic (8-bit, one scale per colour channel) negative log-likelihood" in help_text
    assert "Bernoulli" not in help_text
    pairs = [img for img in at.image if "(#" in plain(img.proto.imgs[0].caption)]
    assert len(pairs) == 10  # one per class (3), topped up with other held-out images
    assert any(c.value.startswith("Top: images the model never trained on") for c in at.caption)
    commands = [c.value for c in at.code]
    assert "python -m vae_core eval --package my-garments --json" in commands
    assert not any(str(colour_package_dir.parent) in c for c in commands)  # no server path


def test_the_eval_command_quotes_a_name_for_the_shell(pkg):
    import dataclasses

    from ui.model.view import eval_command

    odd = dataclasses.replace(pkg, path=Path("/srv/x/$(id) shop"))
    assert eval_command(odd) == "python -m vae_core eval --package '$(id) shop' --json"
