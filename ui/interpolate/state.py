"""The Interpolate page's session keys, declared once (all namespaced "interp.").

Widget keys and the page's own state; the A and B pickers add ``interp.A.*`` and ``interp.B.*``
(:func:`slot_key`).
"""

from __future__ import annotations

K_CENTROIDS = "interp.centroids"
K_CLOSENESS = "interp.closeness"
K_CLS_FROM = "interp.cls_from"
K_CLS_TO = "interp.cls_to"
K_DIR_KIND = "interp.dir_kind"
K_DL_FILM = "interp.dl.film"
K_DL_GRID = "interp.dl.grid"
K_DL_JSON = "interp.dl.json"
K_DL_PNG = "interp.dl.png"
K_DL_RESULT = "interp.dl.result"
K_FILM = "interp.film"  # the last film made: (settings, bytes, file name, mime)
K_FILM_FMT = "interp.film.fmt"
K_FILM_LABELS = "interp.film.labels"
K_FILM_MAKE = "interp.film.make"
K_FILM_METHOD = "interp.film.method"
K_FILM_PINGPONG = "interp.film.pingpong"
K_FILM_SECONDS = "interp.film.seconds"
K_FILM_SIZE = "interp.film.size"
K_FPS = "interp.fps"
K_FRAME = "interp.frame"
K_FRAMES = "interp.frames"
K_GRID_CLS = "interp.grid_cls"
K_GRID_COLS = "interp.grid_cols"
K_GRID_ITEMS = "interp.grid_items"
K_GRID_ROWS = "interp.grid_rows"
K_GRID_SHUFFLE = "interp.grid_shuffle"
K_IMAGES_NOTICE_SHOWN = "interp.images_notice_shown"
K_LINK_NOTES = "interp.link_notes"
K_LINK_READ = "interp.link_read"
K_MAP = "interp.map"
K_MAP_METHOD = "interp.map_method"
K_MAP_TARGET = "interp.map_target"
K_METHOD = "interp.method"
K_MIDPOINT = "interp.midpoint"
K_PLAY = "interp.play"
K_PLAY_POS = "interp.play_pos"
K_RESULT_EXPLORE = "interp.result_explore"
K_RNG = "interp.rng"
K_STRENGTH = "interp.strength"
K_WALK_MEMO = "interp.walk_memo"


def slot_key(slot: str, name: str) -> str:
    """The key of garment A's or B's picker widget ``name`` (``interp.A.index``, ...)."""
    return f"interp.{slot}.{name}"
