"""The web view of `veille serve`: the reader (monitors.web.app), its feeds, and the raw tables
under /data/ (monitors.web.raw_data)."""
