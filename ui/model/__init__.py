"""The Model page's logic and rendering (the page script is pages/model.py)."""
