from pathlib import Path

import pytest

from index import ArticleIndex, ChunkParams, IndexConfig, InputError, build_index
from tests.support.fakes import FakeEmbedder


def _config(article: Path, data_dir: Path, **kw: object) -> IndexConfig:
    return IndexConfig(article=article, data_dir=data_dir, **kw)  # type: ignore[arg-type]


def test_index_is_idempotent_and_rebuilds_on_change(small_article: Path, data_dir: Path) -> None:
    emb = FakeEmbedder()
    cfg = _config(small_article, data_dir)
    first = build_index(cfg, emb)
    assert first.status == "built" and first.passages > 0
    calls = emb.calls
    again = build_index(cfg, emb)
    assert again.status == "unchanged" and emb.calls == calls  # nothing embedded again

    small_article.write_text(small_article.read_text() + "\nA new paragraph about the fog horn was added.\n")
    changed = build_index(cfg, emb)
    assert changed.status == "built" and changed.collection != first.collection
    idx = ArticleIndex.open(cfg, emb, build=False)
    assert any("fog horn" in p.text for p in idx.passages)
    names = [c.name for c in idx.store.client.list_collections()]
    assert first.collection not in names  # no stale passages left behind
    assert len({p.id for p in idx.passages}) == len(idx.passages)  # no duplicates


def test_chunk_parameters_change_triggers_rebuild(small_article: Path, data_dir: Path) -> None:
    emb = FakeEmbedder()
    a = build_index(_config(small_article, data_dir), emb)
    b = build_index(_config(small_article, data_dir, chunking=ChunkParams(max_sentences=1, overlap=0)), emb)
    assert b.status == "built" and b.collection != a.collection


def test_forced_rebuild_keeps_working(small_article: Path, data_dir: Path) -> None:
    emb = FakeEmbedder()
    cfg = _config(small_article, data_dir)
    build_index(cfg, emb)
    again = build_index(cfg, emb, rebuild=True)
    assert again.status == "built"
    assert build_index(cfg, emb).status == "unchanged"
    assert ArticleIndex.open(cfg, emb, build=False).search("lighthouse built", 2)


class _Exploding(FakeEmbedder):
    def embed(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError("power cut")


def test_failed_build_leaves_previous_index_usable(small_article: Path, data_dir: Path) -> None:
    cfg = _config(small_article, data_dir)
    build_index(cfg, FakeEmbedder())
    small_article.write_text(small_article.read_text() + "\nAnother sentence arrives here.\n")
    with pytest.raises(RuntimeError):
        build_index(cfg, _Exploding())
    idx = ArticleIndex.open(cfg, FakeEmbedder(), build=False)
    hits = idx.search("Who built the lighthouse?", 3)
    assert hits and all(idx.article.text[h.passage.start:h.passage.end] == h.passage.text for h in hits)


def test_search_returns_ranked_hits(small_article: Path, data_dir: Path) -> None:
    idx = ArticleIndex.open(_config(small_article, data_dir), FakeEmbedder())
    hits = idx.search("When was the lamp converted to electricity?", 3)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert "electricity" in hits[0].passage.text


def test_unwritable_data_dir(small_article: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="not writable"):
        build_index(_config(small_article, blocker / "sub"), FakeEmbedder())


def test_an_index_named_like_the_start_of_another_leaves_it_alone(small_article: Path, data_dir: Path,
                                                                 tmp_path: Path) -> None:
    emb = FakeEmbedder()
    other = tmp_path / f"{small_article.stem}-2.txt"
    other.write_text(small_article.read_text() + "\nThe second edition adds a paragraph on the fog horn.\n")
    build_index(_config(other, data_dir), emb)
    build_index(_config(small_article, data_dir), emb)
    build_index(_config(small_article, data_dir), emb, rebuild=True)  # drops its own older collection only
    assert ArticleIndex.open(_config(other, data_dir), emb, build=False).search("fog horn", 1)


def test_collections_left_by_a_killed_build_are_removed_by_the_next_run(small_article: Path,
                                                                        data_dir: Path) -> None:
    emb = FakeEmbedder()
    cfg = _config(small_article, data_dir)
    live = build_index(cfg, emb)
    store = cfg.connect()
    half = f"{cfg.index_name()}-{'0' * 12}"  # what a build killed before its manifest flip leaves
    store.create(half, ArticleIndex.open(cfg, emb, build=False).passages[:1], [[0.0] * 256])
    again = build_index(cfg, emb)
    assert again.status == "unchanged" and again.collection == live.collection
    assert again.dropped == [half]
    assert half not in [c.name for c in store.client.list_collections()]


@pytest.mark.parametrize("damage", ["junk header", "truncated"])
def test_an_unreadable_store_is_moved_aside_and_rebuilt(small_article: Path, data_dir: Path, damage: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    from chromadb.api.client import SharedSystemClient

    emb = FakeEmbedder()
    cfg = _config(small_article, data_dir)
    build_index(cfg, emb)
    SharedSystemClient.clear_system_cache()  # as a new process would: nothing of the old store in memory
    db = data_dir / "chroma" / "chroma.sqlite3"
    if damage == "junk header":
        with db.open("r+b") as f:
            f.write(b"not a database" * 300)
    else:
        with db.open("r+b") as f:
            f.truncate(db.stat().st_size // 3)
    with caplog.at_level("WARNING", logger="article-assistant"):
        idx = ArticleIndex.open(cfg, emb)
    assert idx.search("When was the lighthouse built?", 1)[0].passage.text.startswith("The lighthouse of Varn")
    aside = [p for p in data_dir.iterdir() if p.name.startswith("chroma.corrupt-")]
    assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").exists()  # kept for inspection, not deleted
    assert any("was unreadable" in r.getMessage() and str(aside[0]) in r.getMessage() for r in caplog.records)
