"""The "New catalogue" page: train a package from a server folder or an uploaded zip.

Plain modules (tested without Streamlit): ``folders`` (the image root, package names), ``zips``
(upload checks and unpacking), ``jobs`` (background jobs and their states), ``progress`` (events
and the time left), ``worker`` (the job's own process). ``view`` draws the page.
"""
