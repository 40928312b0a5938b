"""Maths on the latent space: exact likelihood ranking (:mod:`.likelihood`), 2-D projections
(:mod:`.projection`), k-means (:mod:`.clusters`), retrieval metrics (:mod:`.metrics`),
interpolation and arithmetic (:mod:`.interpolation`), traversals (:mod:`.traversal`), directions
made from groups of garments (:mod:`.directions`) and the likelihood tracks behind the Explore
sliders (:mod:`.guides`)."""
