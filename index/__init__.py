"""The index stage: an article file in, searchable passages with exact offsets out. Knows nothing of LLMs."""

from index.builder import ArticleIndex, BuildReport, IndexConfig, build_index, remove_index
from index.chunk import ChunkParams, chunk, split_sentences
from index.credits import Credit, find_credit
from index.embed import Embedder, SentenceTransformerEmbedder
from index.errors import InputError, StoreError
from index.load import load_article, parse_article
from index.text import content_terms, tokenize, uses_term
from index.types import Article, Hit, Passage, Sentence

__all__ = [
    "Article", "ArticleIndex", "BuildReport", "ChunkParams", "Credit", "Embedder", "Hit", "IndexConfig", "InputError",
    "Passage", "Sentence", "SentenceTransformerEmbedder", "StoreError", "build_index", "chunk", "content_terms",
    "find_credit", "load_article", "parse_article", "remove_index", "split_sentences", "tokenize", "uses_term",
]
