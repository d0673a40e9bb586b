"""Sources and where their article URLs are found: feeds, sitemaps, listings, the retry book."""
