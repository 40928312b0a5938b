"""The walk as the Interpolate page frames it: every frame's nearest training garment,
typicality and map position agree with the package's own calls; the captions under frames."""

from __future__ import annotations

import numpy as np
import pytest

from ui.common.text import md
from ui.interpolate.walks import OFF_DATA_PERCENTILE, frame_caption, frame_walk, nearest_caption
from vae_core import ModelPackage
from vae_core.latent.interpolation import walk


@pytest.mark.parametrize("map_method", ["tsne", "pca", None])
def test_frame_walk_agrees_with_the_package(tiny_package_dir, map_method):
    pkg = ModelPackage.load(tiny_package_dir)
    w = walk(pkg.mu[0], pkg.mu[1], 7, "slerp")
    fw = frame_walk(pkg, w, map_method)
    assert fw.images.shape == (7, 28, 28)
    np.testing.assert_allclose(fw.images, pkg.decode(w.z.astype(np.float32)), atol=1e-6)
    for i, z in enumerate(w.z):
        best = pkg.rank(z, 1)
        assert fw.nearest[i] == best.indices[0] and fw.nearest_label[i] == best.labels[0]
        assert fw.nearest_score[i] == pytest.approx(best.scores[0], rel=1e-12)
        assert fw.typicality[i] == pytest.approx(pkg.typicality(z))
        if map_method is not None:
            np.testing.assert_allclose(fw.xy[i], pkg.place(z, map_method), atol=1e-9)
    assert (fw.xy is None) == (map_method is None)


def test_captions_mark_the_midpoint_and_frames_off_the_data(tiny_package_dir):
    pkg = ModelPackage.load(tiny_package_dir)
    fw = frame_walk(pkg, walk(pkg.mu[0], pkg.mu[1], 4, "linear", include_midpoint=True), None)
    mid = fw.walk.mid
    assert frame_caption(fw, mid) == f"★ {mid} · t=0.50"
    assert frame_caption(fw, 0) == "0 · t=0.00"
    cap = nearest_caption(pkg, fw, 0)
    name = pkg.class_names[int(fw.nearest_label[0])]
    first, second = cap.split("  \n")  # two short lines: the class, then "#index" (⚠: off the data)
    assert first == md(name) == "T\\-shirt\\/top" and second.removesuffix(" ⚠") == f"#{int(fw.nearest[0])}"
    assert second.endswith(" ⚠") == (fw.typicality[0] < OFF_DATA_PERCENTILE)
