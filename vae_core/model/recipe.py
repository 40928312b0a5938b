"""The training recipe for a folder of the user's own images (issue 19), in one place: the
network for each image size and the optimisation settings, measured in ``bench/train_bench.py``.

Plain Python (no torch), so the command line can quote these defaults in its help cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .config import TrainConfig

# Conv widths per image size: one stride-2 block per entry, ending at 7 x 7 (28) or 4 x 4, so the
# dense layer's input (last width x side^2) stays at 2,048 to 3,136 and the weights small.
WIDTHS = {28: (32, 64), 32: (32, 64, 128), 64: (32, 64, 128, 128), 128: (16, 32, 64, 128, 128)}
# The image-folder recipe (issue 19; measured in bench/train_bench.py): a discretised logistic
# located at the decoder's output with one scale per channel, started at the mean colour; a fixed
# number of optimiser steps of RECIPE_BATCH images, whatever the folder's size, the KL weight
# rising over the first WARMUP_SHARE of them; augmentation for folders under AUGMENT_BELOW images;
# the first BOUND_SHARE of the steps minimise the likelihood's closed-end bound, so colour is
# learned (vae_core.model.pixel_likelihood), the rest the exact value, so backgrounds are sharp.
LIKELIHOOD = "logistic-channel"
RECIPE_STEPS = {28: 1500, 32: 1500, 64: 3000, 128: 1500}
RECIPE_REFINE = {28: True, 32: True, 64: False, 128: False}  # the 3x3 convolutions after each stride-2 one
# 64 px: a narrower dense layer and twice the learning rate. Measured on 2,000 colour garments
# (bench/train_bench.py): reds decoded yellow with 512 units at 1.5e-3, red with these.
RECIPE_HIDDEN = {28: 512, 32: 512, 64: 256, 128: 512}
RECIPE_LR = {28: 1.5e-3, 32: 1.5e-3, 64: 3e-3, 128: 1.5e-3}
RECIPE_BATCH = 32
WARMUP_SHARE = 0.3
AUGMENT_BELOW = 5000
BOUND_SHARE = 0.8


def folder_recipe(n_train: int, image_size: int, settings: Mapping[str, Any] | None = None) -> TrainConfig:
    """The training settings for a folder of ``n_train`` training images at ``image_size`` px,
    with the fields in ``settings`` (what the user chose) taking precedence.

    Without ``steps`` or ``epochs`` in ``settings`` the run is :data:`RECIPE_STEPS` optimiser
    steps; ``epochs`` alone means that many passes (``steps`` 0). The KL warm-up lasts the first
    :data:`WARMUP_SHARE` of the run unless ``kl_warmup_epochs`` is given; augmentation is on
    below :data:`AUGMENT_BELOW` images unless ``augment`` is given.
    """
    chosen = dict(settings or {})
    batch = int(chosen.get("batch_size", RECIPE_BATCH))
    per_epoch = math.ceil(max(n_train, 1) / batch)
    if "epochs" in chosen and "steps" not in chosen:
        chosen["steps"] = 0
    steps = int(chosen.get("steps", RECIPE_STEPS[image_size]))
    total = steps or per_epoch * int(chosen["epochs"])
    recipe: dict[str, Any] = {
        "batch_size": batch,
        "lr": RECIPE_LR[image_size],
        "steps": steps,
        "epochs": math.ceil(total / per_epoch),
        "kl_warmup_epochs": 0.0,
        "kl_warmup_steps": round(WARMUP_SHARE * total),
        "augment": n_train < AUGMENT_BELOW,
        "bound_share": BOUND_SHARE,
    }
    if "kl_warmup_epochs" in chosen:
        recipe["kl_warmup_steps"] = 0
    return TrainConfig(**{**recipe, **chosen})
