"""Near-duplicate fingerprints: MinHash signatures of word shingles and their LSH band keys.

Pure functions, no I/O. Two texts whose shingle sets are similar (Jaccard) or one of which mostly
contains the other (a copy truncated to 60 %) get signatures that agree in many positions;
LSH bands let storage find such candidates without comparing against every stored article.
"""

from __future__ import annotations

import functools
import hashlib
import struct
from dataclasses import dataclass

import numpy as np

from crawler.core.normalize import ARABIC_LETTER, normalize

# Stored with every database (PITFALLS: datasketch changed its hash scheme between versions).
SCHEME = "datasketch-2.0/affine64/seed7/perm128/bands42x3/shingle3"
NUM_PERM = 128
SEED = 7
BAND_ROWS = 3
BANDS = NUM_PERM // BAND_ROWS
SHINGLE_WORDS = 3
# A copy is the same story when the estimated Jaccard similarity of the two shingle sets reaches
# JACCARD_MIN, or when the smaller text is CONTAINMENT_MIN contained in the larger one (truncated
# copies, copies with an added intro or tail). Tuned on tests/fixtures/syndication.
JACCARD_MIN = 0.30
CONTAINMENT_MIN = 0.55
MIN_SHINGLES = 8  # below this a text is too short to compare reliably


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray  # NUM_PERM uint64
    shingles: int

    def to_bytes(self) -> bytes:
        return self.signature.astype("<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, shingles: int) -> Fingerprint:
        return cls(np.frombuffer(data, dtype="<u8").copy(), shingles)

    def band_keys(self) -> list[int]:
        """One signed 64-bit bucket key per band (SQLite INTEGER)."""
        data = self.signature[: BANDS * BAND_ROWS].astype("<u8").tobytes()
        width = BAND_ROWS * 8
        return [
            _KEY.unpack(
                hashlib.blake2b(
                    data[band * width : (band + 1) * width], digest_size=8, person=b"veille-lsh"
                ).digest()
            )[0]
            for band in range(BANDS)
        ]


_KEY = struct.Struct("<q")


def _light_stem(token: str) -> str:
    """Arabic: drop the conjunction و and the article ال, which rewrites add and remove freely."""
    if ARABIC_LETTER.match(token):
        if token.startswith("و") and len(token) > 3:
            token = token[1:]
        if token.startswith("ال") and len(token) > 4:
            token = token[2:]
    return token


def shingles(text: str) -> set[str]:
    """Word 3-grams of the folded text (case, accents, harakat and letter variants ignored)."""
    folded = normalize(text)
    tokens = folded.split()
    if "و" in folded or "ال" in folded:  # only these Arabic words can need the light stem
        tokens = [_light_stem(t) if t[0] in "وا" else t for t in tokens]
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    # Three words (SHINGLE_WORDS): each token with the next two.
    return {f"{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)}


@functools.cache
def _permutations():
    """datasketch's permutations for our seed, made once. datasketch (and the scipy it loads,
    a quarter of a second) is imported on first use: commands that only read the database,
    `veille status` first, never pay for it."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine64").permutations


def fingerprint(text: str) -> Fingerprint:
    from datasketch import MinHash

    grams = shingles(text)
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine64", permutations=_permutations())
    if grams:
        minhash.update_batch([g.encode("utf-8") for g in grams])
    return Fingerprint(minhash.hashvalues.astype(np.uint64), len(grams))


def jaccard(a: Fingerprint, b: Fingerprint) -> float:
    return float(np.count_nonzero(a.signature == b.signature)) / NUM_PERM


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller shingle set found in the larger one."""
    j = jaccard(a, b)
    smaller = min(a.shingles, b.shingles)
    if smaller == 0:
        return 0.0
    intersection = j * (a.shingles + b.shingles) / (1 + j)
    return min(1.0, intersection / smaller)


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    if min(a.shingles, b.shingles) < MIN_SHINGLES:
        return False
    return jaccard(a, b) >= JACCARD_MIN or containment(a, b) >= CONTAINMENT_MIN
