"""The Interpolate page's logic and rendering (the page script is pages/interpolate.py)."""
