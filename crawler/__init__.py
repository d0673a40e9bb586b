"""veille's Scrapy project: discover, fetch, extract, dedupe and store news articles."""
