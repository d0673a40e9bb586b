"""How pages are fetched: the fetch policy, crawl processes and long-lived crawl workers."""
