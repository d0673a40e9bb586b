"""From a fetched page to article text and metadata (dates, bylines, republication)."""
