"""Mail bodies as plain text: HTML to text (stdlib html.parser), tidied line breaks, and the
trailing quote of a reply cut off ("On … wrote:" followed only by "> " lines)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_ATTRIBUTION = re.compile(
    r"^(On\b.{3,300}\bwrote"
    r"|.{3,300}?\b(?:написал\(а\)|написала|написал|пишет|schrieb|a écrit|escribió|ha scritto"
    r"|schreef))\s*:$",
    re.I | re.S,
)


def tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip("\n")


def strip_quoted(text: str) -> tuple[str, str]:
    """Cut a trailing quote: an attribution line ("On … wrote:", "… написал(а):", possibly
    wrapped over two lines) followed by nothing but "> " lines and blank lines. Anything
    else (interleaved answers, a quote without attribution) is kept whole.
    Returns (reply, quoted)."""
    lines = text.split("\n")
    for i in range(len(lines)):
        if not lines[i].strip() or lines[i].lstrip().startswith(">"):
            continue
        for span in (1, 2):
            if i + span > len(lines):
                break
            head = " ".join(line.strip() for line in lines[i:i + span])
            if not _ATTRIBUTION.match(head):
                continue
            rest = [line for line in lines[i + span:] if line.strip()]
            if rest and all(line.lstrip().startswith(">") for line in rest):
                reply = "\n".join(lines[:i]).rstrip()
                if reply.strip():
                    return reply, "\n".join(lines[i:]).strip("\n")
            return text, ""  # attribution, but not a pure trailing quote: keep it all
    return text, ""


class _HtmlText(HTMLParser):
    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {"p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
              "ul", "ol", "li", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "hr", "address", "dl", "dt", "dd", "form", "fieldset", "center", "blockquote"}
    _PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.line_depth = 0
        self.depth = 0
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
            return
        if tag == "br":
            self._newline(force=True)
            return
        if tag in self._BLOCK:
            self._newline()
        if tag == "blockquote":
            self.depth += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "li":
            self._text("- ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, len("".join(self.cur))))
        elif tag in ("td", "th") and self.cur:
            self._text(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.cur)[start:]
            if href.startswith(("http://", "https://")) and href not in label and label.strip():
                self._text(f" ({href})")
        if tag in self._BLOCK:
            self._newline()
            if tag in self._PARAGRAPH:
                self._blank()
        if tag == "blockquote":
            self.depth = max(0, self.depth - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            chunks = data.split("\n")
            for k, chunk in enumerate(chunks):
                if k:
                    self._newline(force=True)
                self._text(chunk)
            return
        self._text(re.sub(r"\s+", " ", data))

    def _text(self, text: str) -> None:
        if not self.cur:
            if not self.pre:
                text = text.lstrip()
            if not text:
                return
            self.line_depth = self.depth
        self.cur.append(text)

    def _newline(self, force: bool = False) -> None:
        line = "".join(self.cur).rstrip()
        self.cur = []
        if line:
            self.lines.append("> " * self.line_depth + line)
        elif force:
            self.lines.append("")

    def _blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self) -> str:
        self._newline()
        return tidy("\n".join(self.lines))


def html_to_text(html: str) -> str:
    """Plain text of an HTML mail body: no markup, entities decoded, paragraphs and <br> as
    line breaks, list items as "- ", links as "label (url)", <blockquote> lines as "> "."""
    parser = _HtmlText()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # noqa: BLE001 — html.parser is lenient; be safe anyway
        return tidy(re.sub(r"<[^>]+>", " ", html or ""))
    return parser.text()
