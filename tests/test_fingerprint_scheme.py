"""The near-duplicate fingerprints are datasketch 2.0's "affine64" MinHash, computed without
importing datasketch (which loads scipy: some 60 MB in every crawl worker). Stored signatures
must stay comparable with those of databases built before, so each is checked against
datasketch's own."""

from __future__ import annotations

import hashlib
import random
import struct
import subprocess
import sys

import numpy as np
import pytest

from crawler.stories.fingerprint import NUM_PERM, SEED, Fingerprint, fingerprint, shingles

_VOCABULARY = (
    "le la de un programme Rabat Casablanca données cloud numérique startups "
    "الرقمي المغرب وزارة الانتقال برنامج الخدمات"
)
WORDS = _VOCABULARY.split()


def _datasketch(text: str) -> np.ndarray:
    # Imported here: datasketch loads scipy, some 0.8 CPU-s in each test process that collects
    # this module, for the one test that uses it.
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine64")
    grams = shingles(text)
    if grams:
        minhash.update_batch([g.encode("utf-8") for g in grams])
    return minhash.hashvalues.astype(np.uint64)


def test_signatures_are_datasketchs():
    rng = random.Random(7)
    texts = ["", "un", "deux mots", "trois mots ici", "أعلنت وزارة الانتقال الرقمي " * 30]
    texts += [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 600))) for _ in range(60)]
    for text in texts:
        ours = fingerprint(text)
        assert ours.signature.dtype == np.uint64
        assert np.array_equal(ours.signature, _datasketch(text)), text[:60]


def test_band_keys_are_each_bands_personalised_blake2b():
    """Stored LSH keys must stay those of databases built before: each band's three rows
    (little-endian 64-bit) hashed by an 8-byte blake2b personalised 'veille-lsh', read as a
    signed little-endian 64-bit integer."""
    rng = random.Random(11)
    for _ in range(20):
        signature = fingerprint(" ".join(rng.choice(WORDS) for _ in range(80))).signature
        expected = []
        for band in range(NUM_PERM // 3):
            rows = signature[band * 3 : band * 3 + 3].astype("<u8").tobytes()
            digest = hashlib.blake2b(rows, digest_size=8, person=b"veille-lsh").digest()
            expected.append(struct.unpack("<q", digest)[0])
        assert Fingerprint(signature, 80).band_keys() == expected


@pytest.mark.slow
def test_a_crawl_worker_fingerprints_without_loading_scipy():
    code = (
        "import sys, crawler.pipelines, crawler.spiders.news\n"
        "from crawler.stories.fingerprint import fingerprint\n"
        "fingerprint('le programme de numérisation des services publics')\n"
        "print(sorted(m for m in ('scipy', 'datasketch') if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert loaded == "[]"
