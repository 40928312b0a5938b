"""Training: the loss goes down, a seed fixes the result, and a checkpoint resumes it exactly."""

from __future__ import annotations

import pytest
import torch

from vae_core import ModelConfig, TrainConfig
from vae_core.model.train import evaluate, train

TINY = ModelConfig(channels=(4, 8), hidden=32)


def _run(small_splits, epochs=2, seed=0, checkpoint=None, progress=None):
    tr, te = small_splits
    cfg = TrainConfig(epochs=epochs, batch_size=16, lr=5e-3, seed=seed, limit=300)
    kw = {"progress": progress} if progress else {}
    return train(tr.as_float(), te.as_float()[:100], TINY, cfg, checkpoint=checkpoint, **kw)


def test_tiny_run_reduces_the_loss(small_splits):
    tr, te = small_splits
    torch.manual_seed(0)
    from vae_core import VAE

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
