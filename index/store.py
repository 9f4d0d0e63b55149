"""Chroma, embedded (a folder in the data dir) or a real server; plus the manifest that says which
collection is current. A new build goes into a new collection and the manifest flips to it only when the
build is complete, so an interrupted build never breaks the index that was there before."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from index.errors import InputError, StoreError
from index.types import Passage

__all__ = ["ChromaStore", "Manifest"]

MANIFEST_COLLECTION = "article-assistant-manifests"
log = logging.getLogger("article-assistant")
_BATCH = 256


@dataclass(frozen=True)
class Manifest:
    article_sha: str
    cleaner: str
    chunker: str
    embedder: str
    collection: str
    passages: int
    title: str
    source: str

    def same_inputs(self, other: Manifest) -> bool:
        """Built from the same article, cleaner, chunking and embedder (the collection name may differ)."""
        keys = ("article_sha", "cleaner", "chunker", "embedder", "passages", "title")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


def _quiet_chroma() -> None:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    for name in ("chromadb", "chromadb.telemetry", "posthog"):
        logging.getLogger(name).setLevel(logging.ERROR)


class ChromaStore:
    def __init__(self, client: Any, where: str) -> None:
        self.client = client
        self.where = where

    @classmethod
    def connect(cls, data_dir: Path, host: str | None = None, port: int | None = None,
                ssl: bool = False) -> ChromaStore:
        _quiet_chroma()
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if host:
            where = f"{'https' if ssl else 'http'}://{host}:{port or 8000}"
            try:
                client = chromadb.HttpClient(host=host, port=port or 8000, ssl=ssl, settings=chroma_settings)
                client.heartbeat()
            except Exception as exc:
                raise InputError(f"cannot reach the Chroma server at {where}: {_short(exc)}") from None
            return cls(client, where)
        path = ensure_writable(data_dir) / "chroma"
        try:
            client = _open_embedded(path, chroma_settings)
        except Exception as exc:
            if not path.exists():
                raise InputError(f"cannot open the index in {path}: {_short(exc)}") from None
            # Unreadable (a half-written or damaged file): keep it for inspection, start a fresh one.
            aside = path.with_name(f"chroma.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
            try:
                path.rename(aside)
            except OSError as err:
                raise InputError(f"the index in {path} is unreadable ({_short(exc)}) and cannot be moved "
                                 f"aside: {err.strerror or err}; delete it and run again") from None
            log.warning("the index in %s was unreadable (%s); moved it to %s and building a new one",
                        path, _short(exc), aside)
            try:
                client = _open_embedded(path, chroma_settings)
            except Exception as again:
                raise InputError(f"cannot open the index in {path}: {_short(again)}") from None
        return cls(client, str(path))

    def _manifests(self) -> Any:
        return self.client.get_or_create_collection(MANIFEST_COLLECTION, embedding_function=None)

    def read_manifest(self, name: str) -> tuple[Manifest, str] | None:
        """The current manifest for index `name` and the canonical article text it was built from."""
        got = self._manifests().get(ids=[name], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0] or {}
        try:
            manifest = Manifest(**json.loads(str(meta["manifest"])))
        except (KeyError, TypeError, ValueError):
            return None
        return manifest, str(got["documents"][0])

    def write_manifest(self, name: str, manifest: Manifest, article_text: str) -> None:
        self._manifests().upsert(ids=[name], documents=[article_text], embeddings=[[1.0]],
                                 metadatas=[{"manifest": json.dumps(asdict(manifest))}])

    def delete_manifest(self, name: str) -> None:
        with contextlib.suppress(Exception):  # absent is what we want
            self._manifests().delete(ids=[name])

    def collection_count(self, collection: str) -> int | None:
        try:
            return int(self.client.get_collection(collection, embedding_function=None).count())
        except Exception:
            return None

    def create(self, collection: str, passages: list[Passage], vectors: list[list[float]]) -> None:
        self.drop(collection)
        col = self.client.create_collection(collection, embedding_function=None,
                                            configuration={"hnsw": {"space": "cosine"}})
        for i in range(0, len(passages), _BATCH):
            batch = passages[i:i + _BATCH]
            col.add(
                ids=[p.id for p in batch],
                documents=[p.text for p in batch],
                embeddings=vectors[i:i + _BATCH],
                metadatas=[{"start": p.start, "end": p.end, "paragraph": p.paragraph} for p in batch],
            )

    def drop(self, collection: str) -> None:
        with contextlib.suppress(Exception):  # absent is what we want
            self.client.delete_collection(collection)

    def drop_stale(self, owned: re.Pattern[str], keep: str) -> list[str]:
        """Drops every collection whose whole name matches `owned` except `keep`: the builder, which names
        collections, says which are an index's own (older builds, or one a killed build left half written)."""
        dropped = []
        for col in self.client.list_collections():
            name = col if isinstance(col, str) else col.name
            if owned.fullmatch(name) and name != keep:
                self.drop(name)
                dropped.append(name)
        return dropped

    def passages(self, collection: str) -> list[Passage]:
        col = self.client.get_collection(collection, embedding_function=None)
        got = col.get(include=["documents", "metadatas"])
        out = [
            Passage(id=i, text=str(d), start=int(m["start"]), end=int(m["end"]), paragraph=int(m["paragraph"]))
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])
        ]
        return sorted(out, key=lambda p: (p.start, p.end))

    def query(self, collection: str, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(passage id, cosine similarity), best first."""
        try:
            col = self.client.get_collection(collection, embedding_function=None)
            got = col.query(query_embeddings=[vector], n_results=k, include=["distances"])
        except Exception as exc:
            raise StoreError(f"the vector store at {self.where} failed: {_short(exc)}") from None
        return [(pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0])]


def _open_embedded(path: Path, chroma_settings: Any) -> Any:
    """Open the embedded store and read it once, so damage shows here rather than mid-answer."""
    import chromadb
    from chromadb.api.client import SharedSystemClient

    try:
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        for col in client.list_collections():
            name = col if isinstance(col, str) else col.name
            client.get_collection(name, embedding_function=None).count()
        return client
    except Exception:
        SharedSystemClient.clear_system_cache()  # else the next open in this process reuses the broken one
        raise


def ensure_writable(data_dir: Path) -> Path:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / f".write-test-{os.getpid()}-{threading.get_ident()}"  # two builds at once: two probes
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"data dir {data_dir} is not writable: {exc.strerror or exc}") from None
    return data_dir


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
