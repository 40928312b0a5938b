"""The Explore page's logic and rendering (the page script is pages/explore.py)."""
