"""``python -m vae_core``: see :mod:`vae_core.cli`."""

from __future__ import annotations

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
