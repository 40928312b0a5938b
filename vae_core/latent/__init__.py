"""Maths on the latent space: exact likelihood ranking (:mod:`.likelihood`), 2-D projections
(:mod:`.projection`), k-means (:mod:`.clusters`), retrieval metrics (:mod:`.metrics`),
interpolation and arithmetic (:mod:`.interpolation`) and traversals (:mod:`.traversal`)."""
