"""Build or open the index of one article. The manifest decides: unchanged -> nothing to do;
anything changed (article, cleaner, chunking, embedder) -> a complete new collection, then the switch."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.chunk import ChunkParams, chunk
from index.embed import Embedder
from index.errors import InputError, StoreError
from index.fusion import fuse
from index.lexical import LexicalIndex
from index.load import CLEANER_VERSION, article_hash, load_article
from index.source import SourceMap
from index.store import ChromaStore, Manifest
from index.types import Article, Hit, Passage

__all__ = ["ArticleIndex", "BuildReport", "IndexConfig", "build_index", "remove_index"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexConfig:
    article: Path
    data_dir: Path
    chunking: ChunkParams = field(default_factory=ChunkParams)
    chroma_host: str | None = None
    chroma_port: int | None = None
    chroma_ssl: bool = False
    name: str | None = None

    def index_name(self) -> str:
        base = self.name or self.article.stem
        slug = re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-") or "article"
        return f"aa-{slug[:40]}"

    def connect(self) -> ChromaStore:
        return ChromaStore.connect(self.data_dir, self.chroma_host, self.chroma_port, self.chroma_ssl)


@dataclass(frozen=True)
class BuildReport:
    status: str  # "built" or "unchanged"
    passages: int
    where: str
    collection: str
    title: str
    dropped: list[str] = field(default_factory=list)  # older or unfinished collections removed


def _manifest_for(config: IndexConfig, article: Article, embedder: Embedder, count: int) -> Manifest:
    sha = article_hash(article)
    fingerprint = hashlib.sha256(
        f"{sha}|{CLEANER_VERSION}|{config.chunking.key()}|{embedder.name}".encode()
    ).hexdigest()[:12]
    return Manifest(article_sha=sha, cleaner=CLEANER_VERSION, chunker=config.chunking.key(),
                    embedder=embedder.name, collection=f"{config.index_name()}-{fingerprint}",
                    passages=count, title=article.title, source=str(article.source))


def remove_index(config: IndexConfig) -> list[str]:
    """Drops the index of `config`'s article from its store (every collection of it and its manifest); the
    article file is the caller's. Returns the collections dropped."""
    store = config.connect()
    name = config.index_name()
    dropped = store.drop_stale(_collections_of(name), keep="")
    store.delete_manifest(name)
    return dropped


def _collections_of(index_name: str) -> re.Pattern[str]:
    """Names `_manifest_for` gives this index's collections (plus "-b" beside a live one of the same
    inputs); "x" never claims "x-2"'s collections."""
    return re.compile(rf"{re.escape(index_name)}-[0-9a-f]{{12}}(-b)?")


def build_index(config: IndexConfig, embedder: Embedder, *, rebuild: bool = False,
                progress: Progress | None = None, store: ChromaStore | None = None) -> BuildReport:
    article = load_article(config.article)
    passages = chunk(article, config.chunking)
    store = store or config.connect()
    wanted = _manifest_for(config, article, embedder, len(passages))
    name = config.index_name()
    current = store.read_manifest(name)
    if (not rebuild and current and current[0].same_inputs(wanted)
            and store.collection_count(current[0].collection) == current[0].passages):
        have = current[0]
        leftovers = store.drop_stale(_collections_of(name), keep=have.collection)  # from a build killed part-way
        return BuildReport("unchanged", have.passages, store.where, have.collection, article.title, leftovers)
    vectors: list[list[float]] = []
    batch = 32
    for i in range(0, len(passages), batch):
        vectors.extend(embedder.embed([p.text for p in passages[i:i + batch]]))
        if progress:
            progress(min(i + batch, len(passages)), len(passages))
    if len(vectors) != len(passages):
        raise InputError(f"the embedder returned {len(vectors)} vectors for {len(passages)} passages")
    if current and current[0].collection == wanted.collection:
        # Never write into the collection that is live: build beside it, then switch the manifest.
        wanted = replace(wanted, collection=wanted.collection + "-b")
    store.create(wanted.collection, passages, vectors)
    store.write_manifest(name, wanted, article.text)
    leftovers = store.drop_stale(_collections_of(name), keep=wanted.collection)
    return BuildReport("built", len(passages), store.where, wanted.collection, article.title, leftovers)


@dataclass(frozen=True)
class _Live:
    """What one manifest points at, swapped whole so a search never mixes two builds."""

    manifest: Manifest
    article: Article
    passages: list[Passage]
    by_id: dict[str, Passage]
    lexical: LexicalIndex

    @classmethod
    def of(cls, manifest: Manifest, article: Article, passages: list[Passage]) -> _Live:
        return cls(manifest, article, passages, {p.id: p for p in passages}, LexicalIndex(passages))


class ArticleIndex:
    """An opened index: the canonical article, its passages, and hybrid search over them.

    It follows the manifest: when another process rebuilds the index (`article-assistant index --rebuild`, a
    changed article), the next search after the flip, or the first one whose collection has gone, reopens
    what the manifest now names, so a running server keeps answering through a rebuild."""

    def __init__(self, store: ChromaStore, manifest: Manifest, article: Article, passages: list[Passage],
                 embedder: Embedder, *, name: str | None = None, weights: dict[str, float] | None = None,
                 check_every_s: float = 1.0) -> None:
        self.store = store
        self.embedder = embedder
        self.name = name  # the manifest to follow; None: a fixed index
        self.weights = weights or {"dense": 1.0, "lexical": 1.0}
        self.check_every_s = check_every_s
        self._live = _Live.of(manifest, article, passages)
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self._source: SourceMap | None = None

    @property
    def manifest(self) -> Manifest:
        return self._live.manifest

    @property
    def article(self) -> Article:
        return self._live.article

    @property
    def passages(self) -> list[Passage]:
        return self._live.passages

    @property
    def article_sha256(self) -> str:
        """sha256 of the cleaned text (the manifest's), the text every offset indexes."""
        return self._live.manifest.article_sha

    def _source_map(self) -> SourceMap:
        live = self._live
        with self._lock:
            if self._source is None or self._source.article is not live.article:
                self._source = SourceMap(live.article)  # made on first use: answering does not need the file
            return self._source

    def source_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Where `article.text[start:end]` sits in the user's .txt/.md file, if it can be found there."""
        return self._source_map().span(start, end)

    def source_lines(self, source_start: int, source_end: int) -> tuple[int, int] | None:
        """The first and last line of the user's file that a `source_span` covers."""
        return self._source_map().lines(source_start, source_end)

    @classmethod
    def open(cls, config: IndexConfig, embedder: Embedder, *, build: bool = True,
             progress: Progress | None = None) -> ArticleIndex:
        store = config.connect()
        if build:
            build_index(config, embedder, progress=progress, store=store)
        live = _read_live(store, config.index_name())
        if live is None:
            raise InputError(f"no index for {config.article} in {store.where}; run: article-assistant index")
        return cls(store, live.manifest, live.article, live.passages, embedder, name=config.index_name())

    def refresh(self) -> bool:
        """Reopen what the manifest names now, if that changed; True when it did."""
        if self.name is None:
            return False
        with self._lock:
            self._checked = time.monotonic()
            try:
                found = self.store.read_manifest(self.name)
            except Exception as exc:  # the store went away: the caller's error, not a crash
                raise StoreError(f"the vector store at {self.store.where} failed: {exc}") from None
            if found is None or found[0] == self._live.manifest:
                return False
            live = _read_live(self.store, self.name, found)
            if live is None:
                return False
            self._live = live
            return True

    def passage(self, passage_id: str) -> Passage:
        return self._live.by_id[passage_id]

    def search(self, query: str, k: int = 4, *, vector: list[float] | None = None) -> list[Hit]:
        """Dense (Chroma, cosine) and BM25 rankings fused by weighted reciprocal rank fusion."""
        if self.name is not None and time.monotonic() - self._checked >= self.check_every_s:
            self._reopened()
        vector = vector or self.embedder.embed([query])[0]
        try:
            return self._search(self._live, query, k, vector)
        except StoreError:
            if not self._reopened():
                raise
            return self._search(self._live, query, k, vector)

    def _reopened(self) -> bool:
        """`refresh`, where a store that fails now is the search's own error to report, not this check's."""
        try:
            return self.refresh()
        except StoreError:
            return False

    def _search(self, live: _Live, query: str, k: int, vector: list[float]) -> list[Hit]:
        if not live.passages or k <= 0:
            return []
        depth = min(len(live.passages), max(20, 4 * k))
        rankings = {
            "dense": self.store.query(live.manifest.collection, vector, depth),
            "lexical": [(p.id, s) for p, s in live.lexical.search(query, depth)],
        }
        fused = [f for f in fuse(rankings, self.weights) if f.id in live.by_id]
        return [Hit(live.by_id[f.id], f.score, rank, f.signals) for rank, f in enumerate(fused[:k], start=1)]


def _read_live(store: ChromaStore, name: str, found: tuple[Manifest, str] | None = None) -> _Live | None:
    found = found or store.read_manifest(name)
    if found is None:
        return None
    manifest, text = found
    try:
        passages = store.passages(manifest.collection)
    except Exception as exc:  # flipped away and dropped between the two reads: the caller retries later
        raise StoreError(f"the index collection {manifest.collection} is gone: {exc}") from None
    article = Article(title=manifest.title, text=text, source=manifest.source)
    return _Live.of(manifest, article, passages)
