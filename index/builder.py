"""Build or open the index of one article. The manifest decides: unchanged -> nothing to do;
anything changed (article, cleaner, chunking, embedder) -> a complete new collection, then the switch."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.chunk import ChunkParams, chunk
from index.embed import Embedder
from index.errors import InputError
from index.lexical import LexicalIndex
from index.load import CLEANER_VERSION, article_hash, load_article
from index.store import ChromaStore, Manifest
from index.types import Article, Hit, Passage

__all__ = ["ArticleIndex", "BuildReport", "IndexConfig", "build_index"]

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


class ArticleIndex:
    """An opened index: the canonical article, its passages, and hybrid search over them."""

    def __init__(self, store: ChromaStore, manifest: Manifest, article: Article, passages: list[Passage],
                 embedder: Embedder, rrf_k: int = 60) -> None:
        self.store = store
        self.manifest = manifest
        self.article = article
        self.passages = passages
        self.embedder = embedder
        self.rrf_k = rrf_k
        self._by_id = {p.id: p for p in passages}
        self._lexical = LexicalIndex(passages)

    @classmethod
    def open(cls, config: IndexConfig, embedder: Embedder, *, build: bool = True,
             progress: Progress | None = None) -> ArticleIndex:
        store = config.connect()
        if build:
            build_index(config, embedder, progress=progress, store=store)
        found = store.read_manifest(config.index_name())
        if found is None:
            raise InputError(f"no index for {config.article} in {store.where}; run: article-assistant index")
        manifest, text = found
        article = Article(title=manifest.title, text=text, source=manifest.source)
        passages = store.passages(manifest.collection)
        return cls(store, manifest, article, passages, embedder)

    def passage(self, passage_id: str) -> Passage:
        return self._by_id[passage_id]

    def search(self, query: str, k: int = 4, *, vector: list[float] | None = None) -> list[Hit]:
        """Dense (Chroma, cosine) and BM25 rankings fused by reciprocal rank fusion."""
        if not self.passages or k <= 0:
            return []
        depth = min(len(self.passages), max(20, 4 * k))
        vector = vector or self.embedder.embed([query])[0]
        dense = self.store.query(self.manifest.collection, vector, depth)
        lexical = self._lexical.search(query, depth)
        fused: dict[str, float] = {}
        dense_sim = dict(dense)
        lex_score = {p.id: s for p, s in lexical}
        for rank, (pid, _) in enumerate(dense):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        for rank, (p, _) in enumerate(lexical):
            fused[p.id] = fused.get(p.id, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        order = sorted(fused, key=lambda pid: (-fused[pid], -dense_sim.get(pid, 0.0)))
        return [
            Hit(self._by_id[pid], fused[pid], rank + 1, dense_sim.get(pid, 0.0), lex_score.get(pid, 0.0))
            for rank, pid in enumerate(order[:k]) if pid in self._by_id
        ]
