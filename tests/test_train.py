"""Training: the loss goes down, a seed fixes the result, a checkpoint resumes it exactly, a run
lasts its steps, early stopping keeps the best epoch, and the posterior stays in range."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vae_core import VAE, ModelConfig, TrainConfig
from vae_core.model.network import LOGVAR_MAX, LOGVAR_MIN
from vae_core.model.train import _kl_weight, channel_means, evaluate, train

TINY = ModelConfig(channels=(4, 8), hidden=32)


def _run(small_splits, epochs=2, seed=0, checkpoint=None, progress=None):
    tr, te = small_splits
    cfg = TrainConfig(epochs=epochs, batch_size=16, lr=5e-3, seed=seed, limit=300)
    kw = {"progress": progress} if progress else {}
    return train(tr.as_float(), te.as_float()[:100], TINY, cfg, checkpoint=checkpoint, **kw)


def test_tiny_run_reduces_the_loss(small_splits):
    tr, te = small_splits
    torch.manual_seed(0)
    before = evaluate(VAE(TINY), te.as_float()[:100])["neg_elbo"]
    result = _run(small_splits, epochs=3)
    h = result.history
    assert [row["epoch"] for row in h] == [1, 2, 3]
    assert h[-1]["train_neg_elbo"] < h[0]["train_neg_elbo"]
    assert h[-1]["test_neg_elbo"] < before - 50  # an untrained decoder sits near 784 log 2 = 543
    for row in h:
        assert abs(row["test_neg_elbo"] - row["test_recon"] - row["test_kl"]) < 1e-6 * row["test_neg_elbo"]


def test_same_seed_same_weights(small_splits):
    a, b = _run(small_splits, seed=3), _run(small_splits, seed=3)
    for (name, pa), pb in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(pa, pb), name
    c = _run(small_splits, seed=4)
    assert not torch.equal(next(iter(a.model.parameters())), next(iter(c.model.parameters())))


def test_checkpoint_resumes_to_the_same_result(small_splits, tmp_path):
    ckpt = tmp_path / "run.ckpt"
    straight = _run(small_splits, epochs=2)

    def interrupt_after_first_epoch(stage, done, total, info):
        if stage == "epoch" and done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(small_splits, epochs=2, checkpoint=ckpt, progress=interrupt_after_first_epoch)
    assert torch.load(ckpt, weights_only=True)["epoch"] == 1
    resumed = _run(small_splits, epochs=2, checkpoint=ckpt)
    assert [r["epoch"] for r in resumed.history] == [1, 2]
    for pa, pb in zip(straight.model.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(pa, pb)


def _colour_set(n: int = 48, size: int = 8, seed: int = 0) -> np.ndarray:
    """uint8 (n, 3, size, size): coloured squares on white."""
    rng = np.random.default_rng(seed)
    x = np.full((n, 3, size, size), 255, dtype=np.uint8)
    for i in range(n):
        top, left = rng.integers(0, size // 2, 2)
        x[i, :, top : top + size // 2, left : left + size // 2] = rng.integers(0, 256, 3)[:, None, None]
    return x


COLOUR = ModelConfig(channels=(4, 8), hidden=16, image_size=8, image_channels=3, likelihood="logistic-channel")


def test_steps_set_the_run_length_and_the_last_epoch_is_cut_short():
    x = _colour_set()
    events = []
    cfg = TrainConfig(steps=7, batch_size=16, kl_warmup_steps=3, seed=1)
    result = train(x[:40], x[40:], COLOUR, cfg, progress=lambda *e: events.append(e[:3]))
    assert [(r["epoch"], r["steps"]) for r in result.history] == [(1, 3), (2, 6), (3, 7)]  # 40 images: 3 steps a pass
    assert [e for e in events if e[0] == "epoch"] == [("epoch", 1, 3), ("epoch", 2, 3), ("epoch", 3, 3)]
    assert _kl_weight(0, 3, cfg) == pytest.approx(1 / 3) and _kl_weight(2, 3, cfg) == 1.0


def test_logistic_channel_decoder_starts_at_the_mean_colour():
    x = _colour_set()
    model = VAE(COLOUR)
    means = channel_means(x)
    np.testing.assert_allclose(means.numpy(), x.reshape(48, 3, -1).mean(axis=(0, 2)) / 255, rtol=1e-6)
    model.start_at(means)
    torch.testing.assert_close(model.decoder[-1].bias.detach(), means)
    assert not model.output_sigmoid and model.log_scale.shape == (3, 1, 1)
    with torch.no_grad():
        picture = model.decode(torch.randn(5, 10) * 100)
    assert float(picture.min()) >= 0.0 and float(picture.max()) <= 1.0  # the location, clipped


def test_logvar_stays_within_its_bounds_whatever_the_encoder_says():
    model = VAE(COLOUR)
    with torch.no_grad():
        model.encoder[-1].bias[10:] = 1e6  # the logvar half of the last layer
        _, logvar = model.encode(torch.rand(2, 3, 8, 8))
        assert torch.all(logvar == LOGVAR_MAX)
        model.encoder[-1].bias[10:] = -1e6
        assert torch.all(model.encode(torch.rand(2, 3, 8, 8))[1] == LOGVAR_MIN)


def test_a_run_that_never_leaves_its_kl_warm_up_reports_a_bounded_kl():
    x = _colour_set()
    cfg = TrainConfig(steps=30, batch_size=16, lr=0.05, kl_warmup_epochs=100_000.0, seed=0)
    result = train(x[:40], x[40:], COLOUR, cfg)
    d = COLOUR.latent_dim
    for row in result.history:  # KL of one dimension is at most 0.5 (e^4 - 5) + mu^2 / 2 with logvar <= 4
        assert np.isfinite(row["train_kl"]) and row["train_kl"] < d * 1e4
    with torch.no_grad():
        _, logvar = result.model.encode(torch.from_numpy(x).float() / 255)
    assert float(logvar.max()) <= LOGVAR_MAX and float(logvar.min()) >= LOGVAR_MIN


def test_patience_stops_early_and_keeps_the_best_epoch(monkeypatch):
    import vae_core.model.train as tr

    scores = iter([50.0, 40.0, 45.0, 46.0, 47.0, 48.0, 49.0])
    snapshots = []

    def fake_evaluate(model, images, seed=0, batch_size=1000, device="cpu"):
        snapshots.append({k: v.clone() for k, v in model.state_dict().items()})
        value = next(scores)
        return {"neg_elbo": value, "recon": value, "kl": 0.0}

    monkeypatch.setattr(tr, "evaluate", fake_evaluate)
    x = _colour_set()
    result = train(x[:40], x[40:], COLOUR, TrainConfig(epochs=7, batch_size=16, patience=2, seed=0))
    assert [r["test_neg_elbo"] for r in result.history] == [50.0, 40.0, 45.0, 46.0]  # 2 epochs without a gain
    for name, value in result.model.state_dict().items():
        torch.testing.assert_close(value, snapshots[1][name])  # the weights of epoch 2, the best


def test_the_image_folder_recipe_trains_on_the_bound_first_and_reports_exact_figures():
    from vae_core.model.config import ModelConfig
    from vae_core.model.recipe import BOUND_SHARE, folder_recipe

    cfg = folder_recipe(300, 32)
    assert cfg.bound_share == BOUND_SHARE == 0.8 and TrainConfig().bound_share == 0.0  # Fashion-MNIST: exact
    assert (cfg.lr, cfg.steps, folder_recipe(300, 64).lr, folder_recipe(300, 64).steps) == (1.5e-3, 1500, 3e-3, 3000)
    assert folder_recipe(300, 64, {"lr": 1e-3}).lr == 1e-3  # what the user chose wins
    rng = np.random.default_rng(0)
    x = np.where(rng.random((24, 3, 8, 8)) < 0.7, 255, rng.integers(0, 256, (24, 3, 8, 8))).astype(np.uint8)
    mcfg = ModelConfig(image_size=8, channels=(4,), hidden=8, image_channels=3, likelihood="logistic-channel")
    tcfg = TrainConfig(steps=4, batch_size=8, bound_share=1.0, threads=1)
    res = train(x, x[:8], mcfg, tcfg, lambda *a: None)
    row = res.history[-1]
    exact = evaluate(res.model, x, seed=0)  # the same weights, the exact likelihood
    assert row["train_recon"] == pytest.approx(exact["recon"], rel=0.05)  # reported exactly, not the bound
