"""Training the VAE: a deterministic, resumable loop that reports progress through a callback.

The trainer knows nothing of progress bars or Streamlit: it calls ``progress(stage, done, total,
info)`` and the command line turns that into a tqdm bar. Given the same data, configs and seed,
two runs produce the same weights (on the same machine and torch build). After every epoch a
checkpoint is written atomically, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import PackageError, display_path
from .config import ModelConfig, TrainConfig
from .network import VAE, vae_loss

Progress = Callable[[str, int, int, dict[str, float]], None]


def _quiet(stage: str, done: int, total: int, info: dict[str, float]) -> None:
    """The default progress callback: report nothing."""


@dataclass
class TrainResult:
    """A trained model and its per-epoch ``history`` (train and test metrics in nats/image)."""

    model: VAE
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


@torch.no_grad()
def evaluate(model: VAE, images: np.ndarray, seed: int = 0, batch_size: int = 1000) -> dict[str, float]:
    """Negative ELBO, reconstruction and KL (nats per image) of ``images`` (N, 1, 28, 28) float32.

    One posterior sample per image, drawn from a generator seeded with ``seed``, so the number is
    reproducible.
    """
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    recon_sum = kl_sum = 0.0
    for start in range(0, len(images), batch_size):
        x = torch.from_numpy(images[start : start + batch_size])
        logits, mu, logvar = model(x, gen)
        recon, kl = vae_loss(logits, x, mu, logvar)
        recon_sum += float(recon.sum())
        kl_sum += float(kl.sum())
    n = len(images)
    return {"neg_elbo": (recon_sum + kl_sum) / n, "recon": recon_sum / n, "kl": kl_sum / n}


def _lr_at(step: int, total: int, cfg: TrainConfig) -> float:
    """Cosine decay from ``cfg.lr`` to ``cfg.lr_min`` over ``total`` steps."""
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * step / max(total, 1)))


def _kl_weight(step: int, steps_per_epoch: int, cfg: TrainConfig) -> float:
    """KL warm-up (Bowman et al. 2016; Sonderby et al. 2016): beta rises linearly from 0 to 1
    over ``cfg.kl_warmup_epochs`` epochs, then the loss is the true negative ELBO."""
    if cfg.kl_warmup_epochs <= 0:
        return 1.0
    return min(1.0, (step + 1) / (cfg.kl_warmup_epochs * steps_per_epoch))


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train(
    train_images: np.ndarray,
    test_images: np.ndarray,
    model_config: ModelConfig,
    train_config: TrainConfig,
    progress: Progress = _quiet,
    checkpoint: str | os.PathLike[str] | None = None,
) -> TrainResult:
    """Train a VAE on float32 images (N, 1, 28, 28) in [0, 1] and evaluate it after every epoch.

    Parameters
    ----------
    train_images, test_images
        Model inputs, e.g. ``Split.as_float()``.
    model_config, train_config
        The model's shape and the optimisation settings (epochs, batch size, learning rate, seed).
    progress
        Called as ``progress("epoch", epoch, epochs, metrics)`` after each epoch and as
        ``progress("batch", step, steps_per_epoch, {"loss": ...})`` every few batches.
        The reported train and test metrics are always the true negative ELBO (KL weight 1),
        also during a KL warm-up.
    checkpoint
        If given, the state is saved there after every epoch and, if the file already exists
        with a matching configuration, training resumes from it.

    Returns
    -------
    TrainResult
        The model (in ``eval()`` mode) and one history row per epoch with keys
        ``epoch, train_neg_elbo, train_recon, train_kl, test_neg_elbo, test_recon, test_kl, seconds``.
    """
    cfg = train_config
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    if cfg.limit > 0:
        train_images = train_images[: cfg.limit]
    torch.manual_seed(cfg.seed)
    model = VAE(model_config)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    x_all = torch.from_numpy(np.ascontiguousarray(train_images))
    n = len(x_all)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    history: list[dict[str, float]] = []
    start_epoch, elapsed = 0, 0.0
    ckpt = Path(checkpoint) if checkpoint else None
    meta = {"model": model_config.to_dict(), "train": cfg.to_dict(), "n": n}
    if ckpt is not None and ckpt.is_file():
        try:
            state = torch.load(ckpt, weights_only=True)
            if isinstance(state, dict) and state.get("meta") == meta:
                model.load_state_dict(state["model"])
                opt.load_state_dict(state["opt"])
                history = list(state["history"])
                start_epoch, elapsed = int(state["epoch"]), float(state["elapsed"])
        except Exception as exc:  # torch.load raises many kinds for a damaged file
            raise PackageError(
                f"The training checkpoint {display_path(ckpt)} is damaged ({type(exc).__name__}), so training "
                "cannot resume from it. Run the same command with --no-resume (or delete the file) to start over."
            ) from None
    t0 = time.perf_counter() - elapsed
    for epoch in range(start_epoch, cfg.epochs):
        model.train()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 100_003 + epoch))
        noise = torch.Generator().manual_seed(cfg.seed * 100_019 + epoch)
        sums = np.zeros(2)
        for step in range(steps_per_epoch):
            idx = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            x = x_all[idx]
            for group in opt.param_groups:
                group["lr"] = _lr_at(epoch * steps_per_epoch + step, total_steps, cfg)
            logits, mu, logvar = model(x, noise)
            recon, kl = vae_loss(logits, x, mu, logvar)
            beta = _kl_weight(epoch * steps_per_epoch + step, steps_per_epoch, cfg)
            loss = (recon + beta * kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sums += (float(recon.detach().sum()), float(kl.detach().sum()))
            if step % 20 == 0:
                progress("batch", step, steps_per_epoch, {"loss": float(loss.detach())})
        test = evaluate(model, test_images, seed=cfg.seed)
        row = {
            "epoch": epoch + 1,
            "train_neg_elbo": float(sums.sum() / n),
            "train_recon": float(sums[0] / n),
            "train_kl": float(sums[1] / n),
            "test_neg_elbo": test["neg_elbo"],
            "test_recon": test["recon"],
            "test_kl": test["kl"],
            "seconds": time.perf_counter() - t0,
        }
        history.append(row)
        if ckpt is not None:
            state = {"meta": meta, "model": model.state_dict(), "opt": opt.state_dict()}
            state.update(history=history, epoch=epoch + 1, elapsed=row["seconds"])
            _save_checkpoint(ckpt, state)
        progress("epoch", epoch + 1, cfg.epochs, row)
    model.eval()
    return TrainResult(model=model, history=history, seconds=time.perf_counter() - t0)
