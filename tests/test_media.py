"""Films and labelled sheets (``vae_core.media``): sizes, frame counts, and what the formats'
own decoders read back (PIL for GIF and PNG, PyAV for MP4 and WebM)."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest
from PIL import Image

from vae_core import InputError
from vae_core.media import (
    FilmLabels,
    enlarge,
    film_times,
    gif_bytes,
    label_frame,
    labelled_sheet,
    png,
    video_bytes,
    walk_film,
)


def test_enlarge_is_lanczos_from_the_decoded_size():
    small = np.random.default_rng(0).integers(0, 256, size=(2, 28, 28), dtype=np.uint8)
    big = enlarge(small, 512)
    assert big.shape == (2, 512, 512) and big.dtype == np.uint8
    want = np.asarray(Image.fromarray(small[1]).resize((512, 512), Image.Resampling.LANCZOS))
    np.testing.assert_array_equal(big[1], want)
    assert enlarge(np.zeros((1, 32, 32, 3), np.uint8), 64).shape == (1, 64, 64, 3)
    with pytest.raises(InputError):
        enlarge(np.zeros((2, 28, 28, 4)), 64)


def test_film_times_go_there_and_back_without_repeating_an_end():
    np.testing.assert_allclose(film_times(5, False), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(film_times(5, True), [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25])


def test_labels_are_drawn_in_the_corners_only():
    frame = np.zeros((256, 256), np.uint8)
    out = label_frame(frame, {"bl": "t = 0.50", "tr": "x"})
    assert out.shape == (256, 256, 3)
    assert out[200:, :128].min(axis=-1).max() > 200 and out[:40, 200:].min(axis=-1).max() > 200  # white text
    assert out[60:190, 60:190].max() == 0  # the middle is untouched


@pytest.mark.parametrize("size", [512, 1024])
def test_walk_film_gif_and_videos_decode_to_the_requested_size_and_frame_count(pkg, size):
    a, b = pkg.mu[0], pkg.mu[1]
    frames, fps = walk_film(pkg, a, b, method="slerp", size=size, seconds=0.5, fps=8, names=("A #0", "B #1"))
    assert frames.shape == (4 + 2, size, size, 3) and fps == 8  # 4 steps A -> B, 2 back (ends not repeated)
    assert (frames[0] != frames[3]).any()
    np.testing.assert_array_equal(frames[1], frames[5])  # the way back retraces the way there
    gif = Image.open(io.BytesIO(gif_bytes(frames, fps)))
    assert gif.size == (size, size) and gif.n_frames == 6 and gif.info["loop"] == 0
    for fmt in ("mp4", "webm"):
        with av.open(io.BytesIO(video_bytes(frames, fps, fmt))) as film:
            decoded = [f.to_ndarray(format="rgb24") for f in film.decode(video=0)]
            assert film.streams.video[0].codec_context.name == {"mp4": "h264", "webm": "vp9"}[fmt]
        assert len(decoded) == 6 and decoded[0].shape == (size, size, 3)
        # lossy, but the picture is the film's: mean error of a few levels out of 255
        assert np.abs(decoded[2].astype(int) - frames[2].astype(int)).mean() < 6


def test_a_film_without_labels_is_the_enlarged_walk(pkg):
    frames, _ = walk_film(pkg, pkg.mu[0], pkg.mu[1], size=64, seconds=0.3, fps=10, pingpong=False, labels=None)
    assert len(frames) == 3
    want = enlarge(pkg.decode(pkg.mu[[0]]), 64)[0]
    np.testing.assert_array_equal(frames[0][..., 0], want)
    kw = {"size": 128, "seconds": 0.3, "fps": 10}
    only_t, _ = walk_film(pkg, pkg.mu[0], pkg.mu[1], labels=FilmLabels(ends=False, t=True, nearest=False), **kw)
    plain, _ = walk_film(pkg, pkg.mu[0], pkg.mu[1], labels=None, **kw)
    changed = np.argwhere((only_t != plain).any(axis=-1)[0])
    assert changed.size and changed[:, 0].min() > 64 and changed[:, 1].max() < 64  # t, bottom left only


def test_bad_film_requests_are_input_errors(pkg):
    with pytest.raises(InputError, match="between 16 and 4096"):
        walk_film(pkg, pkg.mu[0], pkg.mu[1], size=8)
    with pytest.raises(InputError, match="even size"):
        video_bytes(np.zeros((2, 15, 16, 3), np.uint8), 10)
    with pytest.raises(InputError, match="Unknown video format"):
        video_bytes(np.zeros((2, 16, 16, 3), np.uint8), 10, "avi")


def test_labelled_sheet_places_rows_columns_and_text():
    rows = [np.full((3, 28, 28), 200, np.uint8), np.full((2, 28, 28), 100, np.uint8)]
    sheet = labelled_sheet(rows, ["first", "second"], ["t=0", "t=.5", "t=1"], [["a", "b", "c"], ["d", "e"]], "Title")
    assert sheet.ndim == 3 and sheet.shape[2] == 3
    back = np.asarray(Image.open(io.BytesIO(png(sheet))))
    np.testing.assert_array_equal(back, sheet)
    # the garments are there, pixel-exact (x4), in two rows: three of 200 and two of 100 (give or
    # take a few anti-aliased text pixels of the same grey)
    assert abs(int((sheet[..., 0] == 200).sum()) - 3 * 112 * 112) < 30
    assert abs(int((sheet[..., 0] == 100).sum()) - 2 * 112 * 112) < 30
    rows_200 = np.flatnonzero((sheet[..., 0] == 200).sum(axis=1) >= 3 * 112)
    rows_100 = np.flatnonzero((sheet[..., 0] == 100).sum(axis=1) >= 2 * 112)
    assert len(rows_200) == len(rows_100) == 112 and rows_200.max() < rows_100.min()
    assert (sheet[:20] < 128).any()  # the title's dark text at the top
