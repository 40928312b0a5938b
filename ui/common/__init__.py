"""What every page shares: the cached package loader, the gallery, uploads, page-to-page state,
the app shell and the Plotly figure builders."""
