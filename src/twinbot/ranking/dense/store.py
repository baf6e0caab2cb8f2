"""Vectors already computed, kept across runs: a hot reload or a restart embeds only the
phrasings that are new or changed.

One file per encoder (`vectors-<encoder>.npz` in the index cache folder), keyed by a hash of
each text. Vectors are rounded to float16 whether they come from the file or the encoder, so a
cold start and a warm one rank identically. A file that can't be read or written only costs
the embedding time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from twinbot.ranking.dense.encoder import Encoder

Half = npt.NDArray[np.float16]

log = logging.getLogger(__name__)

#: At most this many vectors are kept per encoder (about 12 MB at 384 dimensions); the
#: least recently stored go first.
_KEEP = 16_000


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()


class VectorStore:
    """Text → float16 vector for one encoder, optionally backed by a file."""

    def __init__(self, encoder: Encoder, folder: Path | None) -> None:
        self.encoder = encoder
        safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in encoder.name)
        self._path = folder / f"vectors-{safe}.npz" if folder is not None else None
        self._vectors: dict[bytes, Half] = {}
        self._loaded = False
        self._dirty = False
        self._lock = threading.Lock()

    def _load(self) -> None:
        self._loaded = True
        if self._path is None or not self._path.is_file():
            return
        try:
            with np.load(self._path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            log.info("ignoring the vector cache %s: %s", self._path, exc)
            return
        if vectors.ndim != 2 or vectors.shape[1] != self.encoder.dim or len(keys) != len(vectors):
            return
        self._vectors = {
            bytes(key): row for key, row in zip(keys, vectors.astype(np.float16), strict=True)
        }

    def vectors(self, texts: Sequence[str]) -> Half:
        """One float16 row per text; texts never seen before are encoded in batches."""
        with self._lock:
            if not self._loaded:
                self._load()
            keys = [text_key(text) for text in texts]
            missing = list(
                dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in self._vectors)
            )
            if missing:
                fresh = self.encoder.encode(missing).astype(np.float16)
                for text, row in zip(missing, fresh, strict=True):
                    self._vectors[text_key(text)] = row
                self._dirty = True
            out = np.empty((len(texts), self.encoder.dim), dtype=np.float16)
            for row, key in enumerate(keys):
                out[row] = self._vectors[key]
            return out

    def save(self) -> None:
        """Write new vectors to the file (atomically); silently skipped when that fails."""
        with self._lock:
            if self._path is None or not self._dirty:
                return
            items = list(self._vectors.items())[-_KEEP:]
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile(
                    dir=self._path.parent, suffix=".tmp", delete=False
                ) as out:
                    np.savez(
                        out,
                        keys=np.array([key for key, _ in items], dtype="S12"),
                        vectors=np.stack([row for _, row in items]),
                    )
                os.replace(out.name, self._path)
                self._dirty = False
            except OSError as exc:
                log.info("could not write the vector cache %s: %s", self._path, exc)
