"""Device experiment: the discretised logistic's starting log scale and its learning-rate
multiplier, on 4,500 synthetic colour garments at 32 px (test bits per dimension per epoch).

    python -m bench.scale_init
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import vae_core.model.pixel_likelihood as pl
import vae_core.model.train as tr
from vae_core.model.config import TrainConfig
from vae_core.model.image_folder import held_out, load_image_folder
from vae_core.model.pixel_likelihood import bits_per_dim
from vae_core.model.synthetic import make_garment_folder
from vae_core.package.folder_train import model_config_for


def main() -> int:
    folder = Path(tempfile.mkdtemp()) / "photos"
    make_garment_folder(folder, per_class=1667, seed=0, size_range=(80, 240), formats=("jpg", "png", "webp"))
    data = load_image_folder(folder, 32)
    rows, test = held_out(len(data), 0.1, 0)
    x = data.as_uint8_nchw()
    base = tr._param_groups
    for init in (-2.0, -4.0):
        for mult in (1.0, 10.0):
            pl.LOG_SCALE_INIT = init
            import vae_core.model.network as m

            m.LOG_SCALE_INIT = init

            def groups(model, mult=mult):  # noqa: ANN001, ANN202
                g = base(model)
                if len(g) == 2:
                    g[1]["lr_scale"] = mult
                return g

            tr._param_groups = groups
            res = tr.train(
                x[rows],
                x[test],
                model_config_for(32, 3),
                TrainConfig(epochs=20, seed=0, kl_warmup_epochs=15),
                device=tr.resolve_device("cuda"),
            )
            bpd = [round(bits_per_dim(h["test_neg_elbo"], 3072), 3) for h in res.history]
            print(json.dumps({"init": init, "lr_mult": mult, "bpd": bpd, "kl": res.history[-1]["test_kl"]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
