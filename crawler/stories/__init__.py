"""Stories: copies and rewrites of one event grouped (fingerprints, terms, markers)."""
