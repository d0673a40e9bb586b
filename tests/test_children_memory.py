"""Long-lived children give freed memory back to the system (crawler.core.children): what a
burst of crawls or a large page allocated and freed leaves their resident set."""

from __future__ import annotations

import subprocess
import sys

import pytest

# In a fresh interpreter: 200 MB in 4 kB blocks (malloc's heap, below its mmap threshold), all
# freed but the last (which pins the top of the heap, so free() alone cannot shrink it).
_PROGRAM = """
import sys
from crawler.core.children import release_free_memory

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

blocks = [bytes(4000) + bytes([i % 256]) for i in range(50_000)]
last = blocks[-1]
del blocks
freed = resident_mb()
released = release_free_memory()
print(freed, resident_mb(), released)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_memory_leaves_the_resident_set():
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, check=True
    ).stdout
    freed, after, released = out.split()
    assert released == "True"
    assert float(freed) - float(after) > 150  # of the ~200 MB freed, nearly all given back
