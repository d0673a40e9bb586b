"""An item pipeline stage that fails on one page as a bug would (an exception no stage
expects), added to a real crawl through ITEM_PIPELINES by tests/test_pipeline_faults.py."""

from __future__ import annotations

from typing import Any


class FailOnOnePage:
    """Raises RuntimeError for the page whose address holds VEILLE_TEST_FAIL_ON."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailOnOnePage:
        return cls(crawler.settings.get("VEILLE_TEST_FAIL_ON"))

    def process_item(self, item: Any) -> Any:
        if self.marker and self.marker in item.fetched_url:
            raise RuntimeError(f"cannot process {item.fetched_url}")
        return item
