"""The README and docs/*.md: every relative link and image resolves (the file, and a `#fragment` to a heading of
it, as GitHub makes heading anchors), the README stays short, and its quick start names the two commands.

The helpers are tested on broken documents too, so a check that could never fail would show.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_LINES = 220

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
# [text](target "title") and ![alt](target); the text may hold one level of brackets ("[1]").
_MD_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)"
                      r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
_HTML_LINK = re.compile(r"<(?:img|a|source)\b[^>]*?\s(?:src|href|srcset)\s*=\s*([\"'])(.*?)\1", re.IGNORECASE)
_HTML_ID = re.compile(r"<[a-z]+\b[^>]*?\s(?:id|name)\s*=\s*([\"'])(.*?)\1", re.IGNORECASE)
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def prose(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, with inline code spans blanked out."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        out.append((n, _INLINE_CODE.sub(lambda c: " " * len(c.group(0)), line)))
    return out


def links(text: str) -> list[tuple[int, str]]:
    """Every link and image target of a markdown text: inline, reference definitions and HTML src/href."""
    found: list[tuple[int, str]] = []
    for n, line in prose(text):
        targets = [m.group(1) for m in _MD_LINK.finditer(line)]
        targets += [m.group(2) for m in _HTML_LINK.finditer(line)]
        if m := _REF_DEF.match(line):
            targets.append(m.group(1))
        found += [(n, t[1:-1] if t.startswith("<") and t.endswith(">") else t) for t in targets]
    return found


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: markup dropped, lower case, punctuation removed, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    text = re.sub(r"(\*+|(?<!\w)_+|_+(?!\w))", "", text)  # emphasis, not the _ inside a word
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def prose_with_code_headings(text: str) -> list[tuple[int, str]]:
    """Lines outside fences with inline code kept (a heading's `code` is part of its anchor)."""
    lines = text.splitlines()
    return [(n, lines[n - 1]) for n, _ in prose(text)]


def anchors(text: str) -> set[str]:
    """The fragments a markdown text can be linked to: its headings' slugs (GitHub numbers repeats -1, -2, ...)
    and explicit HTML ids."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for _, line in prose_with_code_headings(text):
        if m := _HEADING.match(line):
            base = slug(m.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            out.add(base if count == 0 else f"{base}-{count}")
        out.update(m.group(2) for m in _HTML_ID.finditer(line))
    return out


def broken_links(path: Path) -> list[str]:
    """'FILE:LINE: TARGET (why)' for each relative link or image of the markdown file `path` that does not
    resolve; external links (any scheme, or //host) are not checked."""
    text = path.read_text(encoding="utf-8")
    broken: list[str] = []
    for n, target in links(text):
        if _SCHEME.match(target) or target.startswith("//"):
            continue
        file_part, _, fragment = target.partition("#")
        file_part = unquote(file_part.split("?", 1)[0])
        dest = path if not file_part else (path.parent / file_part).resolve()
        where = f"{path.name}:{n}: {target}"
        if not dest.exists():
            broken.append(f"{where} (no such file)")
        elif (fragment and dest.suffix == ".md" and dest.is_file()
              and unquote(fragment) not in anchors(dest.read_text(encoding="utf-8"))):
            broken.append(f"{where} (no such heading in {dest.name})")
    return broken


def section(text: str, title: str) -> str | None:
    """The text under the heading `title` up to the next heading of the same or a higher level; None if absent."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and m.group(2).strip() == title:
            level = len(m.group(1))
            body: list[str] = []
            for rest in lines[i + 1:]:
                h = _HEADING.match(rest)
                if h and len(h.group(1)) <= level:
                    break
                body.append(rest)
            return "\n".join(body)
    return None


def line_count(text: str) -> int:
    return len(text.splitlines())


# The documents themselves.

@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(path: Path) -> None:
    assert broken_links(path) == []


def test_the_docs_exist_and_the_readme_links_each_of_them() -> None:
    names = {p.name for p in DOCS}
    assert {"architecture.md", "reader.md", "evaluation.md", "operations.md", "training.md"} <= names
    linked = {Path(t.partition("#")[0]).name for _, t in links(README.read_text(encoding="utf-8"))}
    assert names <= linked, f"not linked from the README: {sorted(names - linked)}"


def test_the_readme_shows_the_screenshots() -> None:
    targets = {t for _, t in links(README.read_text(encoding="utf-8"))}
    assert {"docs/screenshot.png", "docs/screenshot-phone.png"} <= targets


def test_the_readme_is_short() -> None:
    assert line_count(README.read_text(encoding="utf-8")) <= MAX_README_LINES


def test_the_quick_start_is_make_serve_and_make_test() -> None:
    quick = section(README.read_text(encoding="utf-8"), "Quick start")
    assert quick is not None, "the README has no 'Quick start' section"
    commands = [line.split("#", 1)[0].strip() for line in quick.splitlines()]
    assert "make serve" in commands
    assert "make test" in commands


# The helpers, on documents that are wrong.

def test_broken_links_finds_each_kind_of_broken_link(tmp_path: Path) -> None:
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "other.md").write_text("# Other\n\n## Real heading\n\n## `code` and more: here\n", encoding="utf-8")
    (tmp_path / "doc.md").write_text("\n".join([
        "# Doc",
        "## A section",
        "[ok](other.md) [ok](other.md#real-heading) [ok](other.md#code-and-more-here) [ok](#a-section)",
        "![ok](img.png) <img src=\"img.png\" width=\"20\"> [ok](sub) [ok](https://example.com/x.md)",
        "[ok](mailto:a@b.c) [ok](//host/x) [ok](<other.md> \"title\")",
        "[bad](missing.md) ![bad](nope.png) <img src=\"gone.png\">",
        "[bad](other.md#fake-heading) [bad](#no-such-section) [[1]](missing2.md) [bad](other.md#Real-Heading)",
        "`[not a link](in-code.md)`",
        "```",
        "[not a link](in-fence.md)",
        "```",
        "[ref]: missing3.md",
    ]) + "\n", encoding="utf-8")
    broken = broken_links(tmp_path / "doc.md")
    assert broken == [
        "doc.md:6: missing.md (no such file)",
        "doc.md:6: nope.png (no such file)",
        "doc.md:6: gone.png (no such file)",
        "doc.md:7: other.md#fake-heading (no such heading in other.md)",
        "doc.md:7: #no-such-section (no such heading in doc.md)",
        "doc.md:7: missing2.md (no such file)",
        "doc.md:7: other.md#Real-Heading (no such heading in other.md)",
        "doc.md:12: missing3.md (no such file)",
    ]


def test_slug_is_githubs() -> None:
    assert slug("HTTP API (OpenAI-compatible)") == "http-api-openai-compatible"
    assert slug("Under load: `make loadtest`") == "under-load-make-loadtest"
    assert slug("Where each behaviour lives") == "where-each-behaviour-lives"
    assert slug("**Bold** and [a link](x.md)") == "bold-and-a-link"
    assert slug("Results (seed 0, `make train-shared`, trained 108.5 minutes)") == \
        "results-seed-0-make-train-shared-trained-1085-minutes"
    assert slug("snake_case_name") == "snake_case_name"
    assert anchors("# A\n## A\n## A\n") == {"a", "a-1", "a-2"}
    assert slug("Quick start") != "quick start"


def test_section_and_line_count_can_fail() -> None:
    text = "# T\n## Quick start\nmake serve\n### Sub\nmake test\n## Next\nmake lint\n"
    assert section(text, "Quick start") == "make serve\n### Sub\nmake test"
    assert section(text, "Missing") is None
    assert "make lint" not in (section(text, "Quick start") or "")
    assert line_count("x\n" * (MAX_README_LINES + 1)) > MAX_README_LINES
