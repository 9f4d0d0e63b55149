"""Read an article file (.txt, .md, .html) and clean it into the canonical text everything cites.

`READERS` maps a file suffix to its reader: raw bytes in, (title hint, text blocks) out. Each reader decodes
its own bytes, so a binary format (PDF, DOCX) is one more reader and one more line in `READERS`.
Cleaning only ever drops whole blocks (lines or HTML elements) that look like page furniture; it never
rewrites a sentence of the body, so a quote taken from the canonical text is a quote of the article.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from index.errors import InputError
from index.types import Article

__all__ = ["CLEANER_VERSION", "READERS", "Reader", "clean_blocks", "decode_text", "load_article", "parse_article",
           "reader_suffix"]

CLEANER_VERSION = "clean-2"
MAX_BYTES = 5_000_000

_BOILERPLATE = [
    r"share( this)?( article| post| story| page)?( on \w+)?",
    r"(download|print|save)( this)?( article| pdf| as pdf| page)?",
    r"read (this|the) (article|story|post) (in|on) (an?)?(other|another|different) languages?",
    r"(facebook |fb )?comments?( \(\d+\))?",
    r"(related|recommended|popular|more) (articles?|posts?|stories|news)",
    r"(advertisement|sponsored|subscribe|sign up|log ?in|sign in|follow us|newsletter)( .{0,40})?",
    r"(all rights reserved|copyright|©).{0,80}",
    r"(tags?|categories|topics)\s*:.{0,120}",
    r"(previous|next)( article| post| story)?",
    r"(back to top|skip to (main )?content|table of contents|menu|search)",
    r"(accept|manage)( all)? cookies.{0,80}",
]
_BOILERPLATE_RE = re.compile(r"^(?:{})[\s.!:]*$".format("|".join(_BOILERPLATE)), re.IGNORECASE)
_SOCIAL = re.compile(
    r"^(?:facebook|twitter|x|linkedin|telegram|whatsapp|vk|vkontakte|email|e-mail|mail|reddit|pinterest"
    r"|print|copy ?link|instagram|youtube|tiktok|threads|bluesky|mastodon)+$",
    re.IGNORECASE,
)
_NOTICE = re.compile(r"javascript|cookies?\b.*\b(site|browser|consent)|your browser (is|does)", re.IGNORECASE)
_TOKEN = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$|^[a-z]{1,3}$")
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]\s*$")


def _is_furniture(block: str) -> bool:
    squashed = re.sub(r"[\s|/·•,]+", "", block)
    if not squashed:
        return True
    if _BOILERPLATE_RE.match(block) or _TOKEN.match(block):
        return True
    if _SOCIAL.match(squashed):
        return True
    words = block.split()
    return len(words) <= 25 and bool(_NOTICE.search(block))


def _is_label(block: str) -> bool:
    """Short unpunctuated lines: headings in the body, but labels when repeated or ALL CAPS up top."""
    return len(block.split()) <= 6 and not _SENTENCE_END.search(block)


def clean_blocks(blocks: list[str], title_hint: str = "") -> tuple[str, list[str]]:
    """Drop page furniture and pick the title; returns (title, body blocks)."""
    blocks = [b.strip() for b in blocks]
    blocks = [b for b in blocks if b and not _is_furniture(b)]
    counts = Counter(b.casefold() for b in blocks if _is_label(b))
    blocks = [b for b in blocks if not (_is_label(b) and counts[b.casefold()] > 1)]
    # Category labels above the title ("SOCIETY", "WORLD NEWS").
    while len(blocks) > 1 and blocks[0].isupper() and len(blocks[0].split()) <= 3:
        blocks.pop(0)
    title = title_hint.strip()
    if blocks and (not title or blocks[0].casefold() == title.casefold()):
        first = blocks[0]
        if len(first.split()) <= 25 and not first.endswith("."):
            title = first
            blocks = blocks[1:]
    return title, blocks


def _text_blocks(raw: str) -> list[str]:
    """One block a line, except that a hard-wrapped paragraph (a long line that stops mid-sentence,
    followed by more text) is joined back with single spaces."""
    blocks: list[str] = []
    joinable = False
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            joinable = False
            continue
        if joinable and blocks:
            blocks[-1] = f"{blocks[-1]} {line}"
        else:
            blocks.append(line)
        joinable = len(blocks[-1]) >= 40 and not re.search(r"[.!?:;\"”’)\]]$", line)
    return blocks


_MD_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
]


def read_text(data: bytes, source: str) -> tuple[str, list[str]]:
    """Plain text: one block a line (hard-wrapped paragraphs joined); the title is picked by the cleaner."""
    return "", _text_blocks(decode_text(data, source))


def read_markdown(data: bytes, source: str) -> tuple[str, list[str]]:
    raw = decode_text(data, source)
    title = ""
    out: list[str] = []
    raw = re.sub(r"\A---\n.*?\n---\n", "", raw, flags=re.DOTALL)  # front matter
    for block in _text_blocks(raw):
        block = re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", "", block)
        block = re.sub(r"\s+#+\s*$", "", block)
        if re.fullmatch(r"[-*_=\s]{3,}", block):
            continue
        for pattern, repl in _MD_INLINE:
            block = pattern.sub(repl, block)
        out.append(block)
    first = raw.lstrip().splitlines()[0] if raw.strip() else ""
    if first.startswith("# "):
        title = out[0] if out else ""
    return title, out


def read_html(data: bytes, source: str) -> tuple[str, list[str]]:
    from bs4 import BeautifulSoup

    raw = decode_text(data, source)
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form",
                     "button", "svg", "iframe", "template"]):
        tag.decompose()
    h1 = soup.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else ""
    if not title and soup.title:
        title = soup.title.get_text(" ", strip=True)
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks: list[str] = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre",
                             "figcaption", "td"]):
        if el.find(["p", "li", "blockquote"]):
            continue  # its children are visited themselves
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True))
        text = re.sub(r"\s+([,.;:!?])", r"\1", text)
        if text:
            blocks.append(text)
    if not blocks:
        blocks = [line for line in root.get_text("\n").splitlines() if line.strip()]
    return title, blocks


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text with its line ends and no-break spaces normalised; a binary or non-UTF-8 file is refused."""
    if b"\x00" in data:
        raise InputError(f"{source}: this looks like a binary file, not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text (byte {exc.start}); save the article as UTF-8") from None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(8, len(text) // 100):
        raise InputError(f"{source}: this looks like a binary file, not a text article")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")


Reader = Callable[[bytes, str], tuple[str, list[str]]]

READERS: dict[str, Reader] = {
    ".txt": read_text, ".text": read_text,
    ".md": read_markdown, ".markdown": read_markdown,
    ".html": read_html, ".htm": read_html,
}


def parse_article(data: bytes, source: str, suffix: str = ".txt") -> Article:
    """`data` read by the reader of `suffix` (plain text for an unknown one), then cleaned."""
    if not data.strip():
        raise InputError(f"{source}: the article is empty")
    hint, blocks = READERS.get(suffix.lower(), read_text)(data, source)
    title, body = clean_blocks(blocks, hint)
    if not body:
        raise InputError(f"{source}: no article text left after removing page furniture")
    if not title:
        title = Path(source).stem.replace("-", " ").replace("_", " ").strip() or "Article"
    text = "\n\n".join([title, *body])
    return Article(title=title, text=text, source=source)


def load_article(path: str | Path) -> Article:
    """Load and clean an article file; every problem is an InputError with a one-line message."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{p}: no such article file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not an article file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{p}: the article is {size} bytes; the limit is {MAX_BYTES}")
        data = p.read_bytes()
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    return parse_article(data, str(p), reader_suffix(p.name, data))


def reader_suffix(name: str, data: bytes) -> str:
    """Which reader reads a file of this name and content: its suffix's, plain text for an unknown one, and
    HTML for a plain-text name whose content is an HTML page."""
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in READERS else ".txt"
    if READERS[suffix] is read_text and re.match(rb"\s*<(!doctype html|html)", data[:200], re.IGNORECASE):
        return ".html"
    return suffix


def article_hash(article: Article) -> str:
    return hashlib.sha256(article.text.encode("utf-8")).hexdigest()
