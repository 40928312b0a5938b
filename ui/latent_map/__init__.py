"""The Latent map page's logic and rendering (the page script is pages/latent_map.py)."""
