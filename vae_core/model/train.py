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
from .augment import augment
from .config import ModelConfig, TrainConfig
from .network import VAE, kl_divergence

Progress = Callable[[str, int, int, dict[str, float]], None]


def _quiet(stage: str, done: int, total: int, info: dict[str, float]) -> None:
    """The default progress callback: report nothing."""


@dataclass
class TrainResult:
    """A trained model and its per-epoch ``history`` (train and test metrics in nats/image)."""

    model: VAE
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


def _as_input(batch: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A batch on ``device`` as float32 in [0, 1] (uint8 batches are scaled by 1/255)."""
    batch = batch.to(device, non_blocking=True)
    return batch.float().div_(255.0) if batch.dtype == torch.uint8 else batch


def resolve_device(name: str = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cpu"`` / ``"cuda"`` as given."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        from ..errors import InputError

        raise InputError("--device cuda was asked for, but torch sees no CUDA GPU; use --device cpu or auto.")
    if name not in ("cpu", "cuda"):
        from ..errors import InputError

        raise InputError(f"--device must be auto, cpu or cuda, not {name!r}.")
    if name == "cuda":  # same weights for the same seed on one machine
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return torch.device(name)


@torch.no_grad()
def evaluate(
    model: VAE, images: np.ndarray, seed: int = 0, batch_size: int = 1000, device: str | torch.device = "cpu"
) -> dict[str, float]:
    """Negative ELBO, reconstruction and KL (nats per image) of ``images`` (N, C, S, S), float32 in
    [0, 1] or uint8.

    One posterior sample per image, drawn from a generator seeded with ``seed``, so the number is
    reproducible.
    """
    model.eval()
    device = torch.device(device)
    gen = torch.Generator(device=device).manual_seed(seed)
    recon_sum = kl_sum = 0.0
    for start in range(0, len(images), batch_size):
        x = _as_input(torch.from_numpy(np.ascontiguousarray(images[start : start + batch_size])), device)
        out, mu, logvar = model(x, gen)
        recon, kl = model.reconstruction_nll(out, x), kl_divergence(mu, logvar)
        recon_sum += float(recon.sum())
        kl_sum += float(kl.sum())
    n = len(images)
    return {"neg_elbo": (recon_sum + kl_sum) / n, "recon": recon_sum / n, "kl": kl_sum / n}


def _lr_at(step: int, total: int, cfg: TrainConfig) -> float:
    """Cosine decay from ``cfg.lr`` to ``cfg.lr_min`` over ``total`` steps."""
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * step / max(total, 1)))


def _kl_weight(step: int, steps_per_epoch: int, cfg: TrainConfig) -> float:
    """KL warm-up (Bowman et al. 2016; Sonderby et al. 2016): beta rises linearly from 0 to 1
    over ``cfg.kl_warmup_steps`` steps (or else ``cfg.kl_warmup_epochs`` epochs), then the loss
    is the true negative ELBO."""
    warmup = cfg.kl_warmup_steps or cfg.kl_warmup_epochs * steps_per_epoch
    return 1.0 if warmup <= 0 else min(1.0, (step + 1) / warmup)


def channel_means(images: np.ndarray, chunk: int = 4096) -> torch.Tensor:
    """(C,) mean of each channel of images (N, C, S, S) in [0, 1] (uint8 ones are scaled by
    1/255), summed a chunk at a time so a large uint8 set is never copied as float."""
    total = np.zeros(images.shape[1])
    for start in range(0, len(images), chunk):
        total += images[start : start + chunk].sum(axis=(0, 2, 3), dtype=np.float64)
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return torch.from_numpy(total / (len(images) * images.shape[2] * images.shape[3] * scale)).float()


def _param_groups(model: VAE) -> list[dict[str, Any]]:
    """Adam's parameter groups: the network, and the discretised logistic's log scales (if any)
    at 10x the learning rate. Adam moves a parameter by about lr per step whatever its gradient,
    so a log scale that must travel from its start to about -4.5 would otherwise take thousands
    of steps, and a small catalogue gets only a few hundred."""
    scale = [] if model.log_scale is None else [model.log_scale]
    rest = [p for p in model.parameters() if p.requires_grad and all(p is not q for q in scale)]
    groups = [{"params": rest, "lr_scale": 1.0}]
    if scale:
        groups.append({"params": scale, "lr_scale": 10.0})
    return groups


def checkpoint_path(out: str | os.PathLike[str]) -> Path:
    """Where ``train --out OUT`` keeps the state that lets an interrupted run resume: the hidden
    file ``.OUT.ckpt`` beside ``OUT``, so a folder of packages never lists it."""
    out = Path(out)
    return out.parent / f".{out.name}.ckpt"


def _copy_state(model: VAE) -> dict[str, torch.Tensor]:
    """A detached copy of the model's weights (for going back to the best epoch)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


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
    device: str | torch.device = "cpu",
) -> TrainResult:
    """Train a VAE on images (N, C, S, S), float32 in [0, 1] or uint8, and evaluate it after
    every epoch (a pass over the training split; with ``train_config.steps`` the last one may
    be cut short). A ``"logistic-channel"`` decoder starts at the images' mean colour
    (:meth:`VAE.start_at`).

    Parameters
    ----------
    train_images, test_images
        Model inputs, e.g. ``Split.as_float()`` or ``ImageSet.as_uint8_nchw()`` (uint8 batches
        are scaled on the device, so a large colour set is not held as float32).
    model_config, train_config
        The model's shape and the optimisation settings (epochs, batch size, learning rate, seed).
    progress
        Called as ``progress("epoch", epoch, epochs, metrics)`` after each epoch and as
        ``progress("batch", step, steps_this_epoch, {"loss": ...})`` every few batches.
        The reported train and test metrics are always the true negative ELBO (KL weight 1),
        also during a KL warm-up.
    checkpoint
        If given, the state is saved there after every epoch and, if the file already exists
        with a matching configuration, training resumes from it (see :func:`checkpoint_path`).
    device
        Where to train (see :func:`resolve_device`); the returned model is on the CPU.

    Returns
    -------
    TrainResult
        The model (in ``eval()`` mode; with ``patience``, the weights of its best held-out
        epoch) and one history row per epoch with keys ``epoch, steps, train_neg_elbo,
        train_recon, train_kl, test_neg_elbo, test_recon, test_kl, seconds``.
    """
    cfg = train_config
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    if cfg.limit > 0:
        train_images = train_images[: cfg.limit]
    torch.manual_seed(cfg.seed)
    device = torch.device(device)
    model = VAE(model_config).to(device)
    if model_config.likelihood == "logistic-channel":
        model.start_at(channel_means(train_images))
    opt = torch.optim.Adam(_param_groups(model), lr=cfg.lr)
    x_all = torch.from_numpy(np.ascontiguousarray(train_images))
    if device.type == "cuda":
        x_all = x_all.to(device)
    n = len(x_all)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = cfg.steps or steps_per_epoch * cfg.epochs
    epochs = math.ceil(total_steps / steps_per_epoch)
    history: list[dict[str, float]] = []
    start_epoch, elapsed = 0, 0.0
    best: dict[str, Any] = {"neg_elbo": math.inf, "epoch": 0, "model": None}
    ckpt = Path(checkpoint) if checkpoint else None
    meta = {"model": model_config.to_dict(), "train": cfg.to_dict(), "n": n}
    if ckpt is not None and ckpt.is_file():
        try:
            state = torch.load(ckpt, weights_only=True, map_location=device)
            if isinstance(state, dict) and state.get("meta") == meta:
                model.load_state_dict(state["model"])
                opt.load_state_dict(state["opt"])
                history = list(state["history"])
                start_epoch, elapsed = int(state["epoch"]), float(state["elapsed"])
                best = dict(state.get("best") or best)
        except Exception as exc:  # torch.load raises many kinds for a damaged file
            raise PackageError(
                f"The training checkpoint {display_path(ckpt)} is damaged ({type(exc).__name__}), so training "
                "cannot resume from it. Run the same command with --no-resume (or delete the file) to start over."
            ) from None
    t0 = time.perf_counter() - elapsed
    for epoch in range(start_epoch, epochs):
        if cfg.patience and epoch - best["epoch"] >= cfg.patience:
            break  # early stop: the held-out -ELBO has not improved for `patience` epochs
        model.train()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 100_003 + epoch))
        noise = torch.Generator(device=device).manual_seed(cfg.seed * 100_019 + epoch)
        jitter = torch.Generator(device=device).manual_seed(cfg.seed * 100_043 + epoch)
        steps = min(steps_per_epoch, total_steps - epoch * steps_per_epoch)  # the last epoch may be cut short
        sums, seen = np.zeros(2), 0
        for step in range(steps):
            idx = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            x = _as_input(x_all[idx.to(x_all.device)], device)
            if cfg.augment:
                x = augment(x, jitter)
            done = epoch * steps_per_epoch + step
            for group in opt.param_groups:
                group["lr"] = group["lr_scale"] * _lr_at(done, total_steps, cfg)
            out, mu, logvar = model(x, noise)
            early = done < cfg.bound_share * total_steps  # the bound's share of the run
            recon, kl = model.reconstruction_nll(out, x, training=early), kl_divergence(mu, logvar)
            loss = (recon + _kl_weight(done, steps_per_epoch, cfg) * kl).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if early and model_config.likelihood == "logistic-channel":  # trained on the bound: report exactly
                with torch.no_grad():
                    recon = model.reconstruction_nll(out, x)
            sums += (float(recon.detach().sum()), float(kl.detach().sum()))
            seen += len(x)
            if step % 20 == 0:
                progress("batch", step, steps, {"loss": float(loss.detach())})
        test = evaluate(model, test_images, seed=cfg.seed, device=device)
        row = {
            "epoch": epoch + 1,
            "steps": epoch * steps_per_epoch + steps,
            "train_neg_elbo": float(sums.sum() / seen),
            "train_recon": float(sums[0] / seen),
            "train_kl": float(sums[1] / seen),
            "test_neg_elbo": test["neg_elbo"],
            "test_recon": test["recon"],
            "test_kl": test["kl"],
            "seconds": time.perf_counter() - t0,
        }
        history.append(row)
        if cfg.patience and test["neg_elbo"] < best["neg_elbo"]:
            best = {"neg_elbo": test["neg_elbo"], "epoch": epoch + 1, "model": _copy_state(model)}
        if ckpt is not None:
            state = {"meta": meta, "model": model.state_dict(), "opt": opt.state_dict(), "best": best}
            state.update(history=history, epoch=epoch + 1, elapsed=row["seconds"])
            _save_checkpoint(ckpt, state)
        progress("epoch", epoch + 1, epochs, row)
    if cfg.patience and best["model"] is not None:
        model.load_state_dict(best["model"])  # the weights of the best held-out epoch
    model.eval().cpu()
    return TrainResult(model=model, history=history, seconds=time.perf_counter() - t0)
