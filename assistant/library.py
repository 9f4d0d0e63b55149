"""Articles opened at run time: a reader's file in the web chat, a client's `POST /v1/articles`.

Each article gets its own index, keyed by the sha256 of its cleaned text (the `article_sha256` every answer
carries), built once and reused: opening the same text again costs nothing. The file is kept under the data
dir's `library/SHA/` with the name it came with (a title-less file takes its title from that name, so the
article answers exactly as `ask --article` on the same file). A bounded cache on disk: past
`Settings.library_size` articles, the least recently used one (by its folder's time) goes, its index and its
file; the default article is not in the library and is never evicted. Bad input fails before anything is
written, with one line (`InputError`): too large (`TooLarge`), not UTF-8, binary, empty, or nothing left after
cleaning; more than `Settings.max_concurrent_uploads` at once is `Busy`. The models are the default
assistant's, shared.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from assistant.api import Assistant
from assistant.errors import InputError
from assistant.settings import Settings

__all__ = ["ArticleLibrary", "Busy", "NotFound", "TooLarge"]

_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
_ID = re.compile(r"[0-9a-f]{64}")


class TooLarge(InputError):
    """Larger than `Settings.max_article_bytes` (HTTP 413)."""


class Busy(InputError):
    """Too many articles being indexed at once (HTTP 429)."""


class NotFound(InputError):
    """No article of that id (HTTP 404)."""


def _filename(name: str) -> str:
    """The name the file is kept under: its own base name, a known suffix (plain text otherwise)."""
    base = Path(name.replace("\\", "/")).name.strip() or "article.txt"
    base = re.sub(r"[^\w.\- ]+", "_", base)[:120]
    return base if base.lower().endswith(_SUFFIXES) else f"{base}.txt"


class ArticleLibrary:
    def __init__(self, default: Assistant) -> None:
        self.default = default
        s = default.settings
        self.folder = s.data_dir / "library"
        self.max_bytes, self.size = s.max_article_bytes, s.library_size
        self._open: OrderedDict[str, Assistant] = OrderedDict()
        self._lock = threading.Lock()
        self._uploads = threading.BoundedSemaphore(s.max_concurrent_uploads)

    def add(self, data: bytes, name: str, progress: Callable[[int, int], None] | None = None) -> Assistant:
        """The assistant on the article `data` (a file's bytes, named `name`), indexing it when new."""
        if len(data) > self.max_bytes:
            raise TooLarge(f"the article is {len(data)} bytes; the limit is {self.max_bytes}")
        if not self._uploads.acquire(blocking=False):
            raise Busy("too many articles are being indexed; try again in a moment")
        try:
            from index.load import article_hash, parse_article, reader_suffix

            filename = _filename(name)
            # read as load_article will read the stored file; every problem: one line, nothing written
            sha = article_hash(parse_article(data, filename, reader_suffix(filename, data)))
            if sha == self.default.article_sha256:
                return self.default
            with self._lock:
                if sha in self._open:
                    return self._touch(sha)
            home = self.folder / sha
            home.mkdir(parents=True, exist_ok=True)
            (home / filename).write_bytes(data)
            try:
                return self._opened(sha, home / filename, progress)
            except BaseException:
                shutil.rmtree(home, ignore_errors=True)  # a failed build leaves nothing to reopen later
                raise
        finally:
            self._uploads.release()

    def get(self, article_id: str) -> Assistant:
        """The assistant on an article added before (reopened from disk after a restart)."""
        if article_id == self.default.article_sha256:
            return self.default
        with self._lock:
            if article_id in self._open:
                return self._touch(article_id)
        files = [p for p in (self.folder / article_id).glob("*") if p.is_file()] \
            if _ID.fullmatch(article_id) else []
        if not files:
            raise NotFound(f"no article {article_id!r}; open one with POST /v1/articles")
        return self._opened(article_id, files[0], None)

    def _touch(self, sha: str) -> Assistant:
        self._open.move_to_end(sha)
        (self.folder / sha).touch(exist_ok=True)
        return self._open[sha]

    def _settings(self, sha: str, path: Path) -> Settings:
        return self.default.settings.model_copy(update={"article": path, "index_name": f"lib-{sha[:32]}"})

    def _opened(self, sha: str, path: Path, progress: Callable[[int, int], None] | None) -> Assistant:
        d = self.default
        assistant = Assistant(settings=self._settings(sha, path), embedder=d.embedder, reader=d.reader,
                              generator=d.chain().backend, progress=progress)
        with self._lock:
            self._open[sha] = assistant
            self._touch(sha)
            self._evict()
        return assistant

    def _evict(self) -> None:
        """Past `size` articles on disk, the least recently used go (the caller holds the lock)."""
        from index import remove_index

        homes = sorted((p for p in self.folder.iterdir() if p.is_dir() and _ID.fullmatch(p.name)),
                       key=lambda p: p.stat().st_mtime)
        for home in homes[:max(0, len(homes) - self.size)]:
            self._open.pop(home.name, None)
            for path in (p for p in home.iterdir() if p.is_file()):
                remove_index(self._settings(home.name, path).index_config())
            shutil.rmtree(home, ignore_errors=True)

    def ids(self) -> list[str]:
        """The articles on disk, most recently used first."""
        if not self.folder.exists():
            return []
        homes = [p for p in self.folder.iterdir() if p.is_dir() and _ID.fullmatch(p.name)]
        return [p.name for p in sorted(homes, key=lambda p: -p.stat().st_mtime)]
