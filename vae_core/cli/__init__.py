"""The command line (``python -m vae_core ...``, :mod:`.main`) and the benchmarks it runs
(:mod:`.bench`). Nothing in the library imports this subpackage."""
