"""Checks that need a GPU (run on the device machine): training is deterministic for a seed on
one machine (CUDA and CPU), and the network trains at every supported size.

    python -m bench.device_checks
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import torch

from vae_core.model.config import TrainConfig
from vae_core.model.image_folder import load_image_folder
from vae_core.model.synthetic import make_garment_folder
from vae_core.model.train import resolve_device, train
from vae_core.package.folder_train import model_config_for


def main() -> int:
    folder = Path(tempfile.mkdtemp()) / "photos"
    make_garment_folder(folder, per_class=300, seed=0)
    out: dict = {"cuda": torch.cuda.is_available()}
    for device in ("cuda", "cpu") if torch.cuda.is_available() else ("cpu",):
        dev = resolve_device(device)
        data = load_image_folder(folder, 32)
        x = data.as_uint8_nchw()
        tcfg = TrainConfig(epochs=2, seed=0, kl_warmup_epochs=1.5)
        runs = []
        for _ in range(2):
            t = time.perf_counter()
            res = train(x[:800], x[800:], model_config_for(32, 3), tcfg, device=dev)
            runs.append((res.model.state_dict(), res.history[-1]["test_neg_elbo"], time.perf_counter() - t))
        same = all(torch.equal(runs[0][0][k], runs[1][0][k]) for k in runs[0][0])
        out[device] = {
            "identical_weights": same,
            "test_neg_elbo": [r[1] for r in runs],
            "seconds": [r[2] for r in runs],
        }
        print(json.dumps({device: out[device]}), flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
