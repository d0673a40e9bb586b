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
        # Each band's rows read through a view of the signature's bytes (no copy a band).
        data = memoryview(self.signature[: BANDS * BAND_ROWS].astype("<u8").tobytes())
        digests: list[bytes] = []
        add = digests.append
        # A copy of a hasher made once with the key's parameters: a new one per band cost
        # twice as much (its personalisation set up each time). Same digests.
        copy = _BAND_HASHER.copy
        for start in _BAND_STARTS:
            hasher = copy()
            hasher.update(data[start : start + _BAND_WIDTH])
            add(hasher.digest())
        return list(_KEYS.unpack(b"".join(digests)))


_BAND_HASHER = hashlib.blake2b(digest_size=8, person=b"veille-lsh")
_BAND_WIDTH = BAND_ROWS * 8  # bytes of a band's rows
_BAND_STARTS = range(0, BANDS * _BAND_WIDTH, _BAND_WIDTH)
_KEYS = struct.Struct(f"<{BANDS}q")  # the bands' keys, signed 64-bit little-endian


def _light_stem(token: str) -> str:
    """Arabic: drop the conjunction و and the article ال, which rewrites add and remove freely."""
    if ARABIC_LETTER.match(token):
        if token.startswith("و") and len(token) > 3:
            token = token[1:]
        if token.startswith("ال") and len(token) > 4:
            token = token[2:]
    return token


def _tokens(text: str) -> list[str]:
    """The folded text's words, Arabic ones lightly stemmed."""
    folded = normalize(text)
    tokens = folded.split()
    if "و" in folded or "ال" in folded:  # only these Arabic words can need the light stem
        tokens = [_light_stem(t) if t[0] in "وا" else t for t in tokens]
    return tokens


def shingles(text: str) -> set[str]:
    """Word 3-grams of the folded text (case, accents, harakat and letter variants ignored)."""
    tokens = _tokens(text)
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)} if tokens else set()
    # Three words (SHINGLE_WORDS): each token with the next two.
    return {f"{a} {b} {c}" for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)}


def _encoded_shingles(text: str) -> set[bytes]:
    """`shingles(text)`, each encoded in UTF-8 as it is hashed: the words encoded once, in one
    string (a word holds no space, and a space is one byte in UTF-8), and each shingle joined
    from their bytes, not made and encoded apart (a fifth of the fingerprint's time)."""
    tokens = _tokens(text)
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    words = " ".join(tokens).encode("utf-8").split(b" ")
    join = b" ".join
    return {join(gram) for gram in zip(words, words[1:], words[2:], strict=False)}


# datasketch 2.0's "affine64" MinHash, computed here with numpy alone: importing datasketch loads
# scipy (some 60 MB of memory and a second of CPU in every crawl worker, for four lines of
# arithmetic). tests/test_fingerprint_scheme.py checks the signatures against datasketch's own.
_FMIX64 = (
    np.uint64(33),
    np.uint64(0xFF51AFD7ED558CCD),
    np.uint64(33),
    np.uint64(0xC4CEB9FE1A85EC53),
    np.uint64(33),
)
_EMPTY = np.uint64((1 << 64) - 1)


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine permutations for our seed (odd `a`, any `b`, modulo 2^64), made once."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = generator.randint(0, 1 << 64, NUM_PERM, dtype=np.uint64)
    return a, b


def _sha1_64(data: bytes) -> int:
    return struct.unpack("<Q", hashlib.sha1(data).digest()[:8])[0]


_SHA1_BYTES = hashlib.sha1().digest_size


def fingerprint(text: str) -> Fingerprint:
    grams = _encoded_shingles(text)
    if not grams:
        return Fingerprint(np.full(NUM_PERM, _EMPTY, dtype=np.uint64), 0)
    # Each shingle's SHA-1, its first 8 bytes read little-endian, all at once by numpy: the
    # whole digests joined, and read 20 bytes apart (no slice a shingle).
    sha1 = hashlib.sha1
    digests = b"".join([sha1(gram).digest() for gram in grams])
    hashes = np.ndarray((len(grams),), dtype="<u8", buffer=digests, strides=(_SHA1_BYTES,)).astype(
        np.uint64
    )
    shift1, multiplier1, shift2, multiplier2, shift3 = _FMIX64  # MurmurHash3's finalizer
    # In place: the same operations, modulo 2^64, without a new array for each.
    hashes ^= hashes >> shift1
    hashes *= multiplier1
    hashes ^= hashes >> shift2
    hashes *= multiplier2
    hashes ^= hashes >> shift3
    a, b = _permutations()
    values = hashes.reshape(-1, 1) * a
    values += b
    return Fingerprint(values.min(axis=0), len(grams))


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
