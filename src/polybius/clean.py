"""Clean: HTML to main text, junk tails and share lines removed, title, dateline and publication date found.

The cleaned `Document.text` is what gets stored, split into sentences and pointed into by every evidence span,
so offsets stay valid by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from polybius.models import Document, RawDocument


class CleanError(ValueError):
    """The document has no usable English text."""


# Lines that start the junk tail of a scraped page: everything from the first of them on is cut.
TAIL_MARKER = re.compile(
    r"""^\s*(?:
        check\s+also | see\s+also | read\s+(?:more|also|next) | related(?:\s+(?:articles?|stories|posts?|news|
        content|coverage|links|reading|topics))? | more\s+(?:from|on|stories|news) | you\s+may\s+also\s+like |
        recommended(?:\s+for\s+you)? | most\s+(?:read|popular|viewed) | trending(?:\s+now)? |
        about\s+the\s+(?:writer|author|authors|reporter) | (?:share|tweet)\s+(?:this|on|via)\b | share\s*:? |
        subscribe\b | sign\s+up\b | newsletter\b | follow\s+us\b | (?:leave|post)\s+a\s+(?:comment|reply) |
        \d+\s+comments?\b | comments?\s*(?:\(\d+\))?\s*:?$ | copyright\b | \(c\)\s*\d{4} | ©\s* |
        all\s+rights\s+reserved | tags?\s*: | filed\s+under | advertisement\b | sponsored\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Single lines that are junk wherever they stand.
JUNK_LINE = re.compile(
    r"""^\s*(?:share\s+(?:on|this|via)\b.* | (?:facebook|twitter|whatsapp|linkedin|email|print|x)
        (?:\s*[|/·,]\s*(?:facebook|twitter|whatsapp|linkedin|email|print|x))+\s* | advertisement\s* |
        click\s+here\b.* | subscribe\s+(?:to|now)\b.* )$""",
    re.IGNORECASE | re.VERBOSE,
)
# "MOSCOW, March 17 (Reuters) -", "WASHINGTON (AP) —", "KYIV, Ukraine —"
DATELINE = re.compile(
    r"""^(?P<place>[A-Z][A-Z.'\- ]{1,40}[A-Z.])          # place in capitals
        (?:,\s*(?P<extra>[A-Z][A-Za-z.]*(?:,?\s+[A-Za-z0-9.]+){0,3}))?   # ", March 17" or ", Ukraine"
        \s*(?:\((?P<outlet>[A-Za-z][A-Za-z .&'-]{0,40})\))?       # "(Reuters)"
        \s*(?:-{1,2}|–|—|:)\s+""",
    re.VERBOSE,
)
LONE_PLACE = re.compile(r"^[A-Z][A-Z.'\- ]{1,40}[A-Z]$")
OUTLETS = re.compile(
    r"^(?:the\s+)?(?:new\s+york\s+times|washington\s+post|associated\s+press|reuters|afp|agence\s+france-presse|"
    r"bbc(?:\s+news)?|the\s+guardian|guardian|al\s+jazeera|bloomberg|xinhua|tass|ap|cnn|los\s+angeles\s+times|"
    r"wall\s+street\s+journal|financial\s+times|the\s+times|star\s+tribune)\.?$",
    re.IGNORECASE,
)
ENGLISH_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "was",
        "with",
        "he",
        "it",
        "as",
        "at",
        "by",
        "from",
        "his",
        "an",
        "were",
        "are",
        "which",
        "this",
        "be",
        "has",
        "had",
        "have",
        "not",
        "but",
        "its",
        "they",
        "their",
        "been",
        "said",
        "would",
        "after",
        "will",
        "who",
        "also",
        "more",
        "than",
        "over",
        "two",
        "about",
        "into",
        "against",
        "there",
        "up",
        "one",
        "new",
        "when",
        "other",
        "some",
        "could",
        "can",
        "her",
        "she",
        "we",
        "our",
        "all",
        "out",
        "what",
        "him",
        "if",
        "no",
        "or",
        "president",
        "government",
        "officials",
        "minister",
    ]
)
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


@dataclass(frozen=True)
class Dateline:
    place: str | None
    outlet: str | None
    date_text: str | None


def is_english(text: str, min_share: float = 0.12) -> bool:
    words = re.findall(r"[A-Za-z]+", text.lower())
    if len(words) < 8:
        return len(words) > 0  # too short to judge
    share = sum(w in ENGLISH_WORDS for w in words) / len(words)
    return share >= min_share


def normalize_space(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", " ")
    text = re.sub(r"[ \u2009\u200a\u202f]+", " ", text)
    lines = [ln.strip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_junk(text: str) -> tuple[str, list[str], str | None]:
    """Cut the junk tail and drop stray share lines. Returns (text, what was removed, outlet line if any)."""
    lines = text.split("\n")
    removed: list[str] = []
    outlet: str | None = None
    content_lines = [i for i, ln in enumerate(lines) if len(ln.split()) >= 8]
    first_body = content_lines[0] if content_lines else 0
    cut = len(lines)
    for i, line in enumerate(lines):
        if i <= first_body or not line:
            continue
        words = len(line.split())
        if TAIL_MARKER.match(line) and (words <= 12 or not line.rstrip().endswith((".", '"', "”"))):
            cut = i
            break
        if OUTLETS.match(line.strip()) and i > first_body:
            outlet = line.strip()
            cut = i
            break
    if cut < len(lines):
        tail = " / ".join(ln for ln in lines[cut:] if ln)[:120]
        removed.append(f"junk tail: {tail}")
        lines = lines[:cut]
    kept = []
    for line in lines:
        if line and JUNK_LINE.match(line):
            removed.append(f"junk line: {line[:80]}")
            continue
        kept.append(line)
    return "\n".join(kept).strip(), removed, outlet


def split_head(
    text: str, known_title: str | None = None, detect_title: bool = True
) -> tuple[str, str | None, Dateline]:
    """Take a lone dateline line, a headline and an inline dateline off the top of the text."""
    lines = text.split("\n")
    place = outlet = date_text = None
    title = None
    i = 0
    if lines and LONE_PLACE.match(lines[0].strip()) and len(lines[0].split()) <= 4:
        place = lines[0].strip()
        i = 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines):
        first = lines[i].strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        following = "\n".join(lines[i + 1 :]).strip()
        if known_title and first.lower() == known_title.strip().lower():
            title = first
            i += 1
        is_headline = (
            title is None
            and detect_title
            and (
                len(first.split()) <= 20
                and not first.endswith((".", '"', "”", ":"))
                and not DATELINE.match(first)
                and len(following.split()) >= 8
            )
        )
        if is_headline and (not nxt or len(nxt.split()) >= 4 or DATELINE.match(nxt) or LONE_PLACE.match(nxt)):
            title = first
            i += 1
    body = "\n".join(lines[i:]).strip()
    if (
        place is None
        and LONE_PLACE.match(body.split("\n", 1)[0].strip())
        and len(body.split("\n", 1)[0]) <= 30
    ):
        place, _, body = body.partition("\n")
        place = place.strip()
        body = body.strip()
    m = DATELINE.match(body)
    if m and len(m.group("place").split()) <= 4:
        place = m.group("place").strip().rstrip(",")
        outlet = m.group("outlet")
        extra = m.group("extra")
        if extra and extra.split()[0].lower().rstrip(".")[:3] in {mo[:3] for mo in MONTHS}:
            date_text = extra
        body = body[m.end() :]
    return body, title, Dateline(place, outlet, date_text)


def normalize_date(value: str | None, relative_to: date | None = None) -> str | None:
    """ISO date from a date string, or None when it cannot be read. Never the day of processing."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    import dateparser  # slow to import; only needed for free-form dates

    settings: dict[str, object] = {"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}
    if relative_to is not None:
        settings["RELATIVE_BASE"] = datetime.combine(relative_to, datetime.min.time())
        settings["PREFER_DATES_FROM"] = "past"
    parsed = dateparser.parse(value, languages=["en"], settings=settings)
    if parsed is None:
        return None
    if relative_to is None and not re.search(r"\b\d{4}\b", value):
        return None  # "March 17" with no year and nothing to anchor it: unknown, not this year
    return parsed.date().isoformat()


def extract_html(html: str, url: str | None) -> tuple[str, str | None, str | None]:
    """Main text, title and publication date of an HTML page (trafilatura, htmldate)."""
    import trafilatura

    result = trafilatura.bare_extraction(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if result is None:
        return "", None, None
    return result.text or "", result.title, result.date


def clean(raw: RawDocument) -> Document:
    """Clean one raw document. Raises CleanError when nothing usable is left."""
    title, page_date = raw.title, None
    content = raw.content
    if raw.kind == "html":
        content, html_title, page_date = extract_html(raw.content, raw.url)
        title = title or html_title
        if not content.strip():
            raise CleanError("no article text found in the HTML")
    text = normalize_space(content)
    if not text:
        raise CleanError("empty document (no text)")
    text, removed, outlet_line = strip_junk(text)
    body, text_title, dateline = split_head(text, known_title=title, detect_title=raw.kind == "text")
    title = title or text_title
    if len(body.split()) < 3:
        raise CleanError("no article text left after cleaning")
    if not is_english(body):
        raise CleanError("not English (too few common English words); only English text is coded")

    doc_date, how = normalize_date(raw.date), "given"
    if raw.date and doc_date is None:
        raise CleanError(f"unreadable date {raw.date!r}")
    if doc_date is None and page_date:
        doc_date, how = normalize_date(page_date), "html"
    if doc_date is None and dateline.date_text:
        doc_date, how = normalize_date(dateline.date_text), "dateline"
    doc = Document(
        id=raw.id,
        text=body,
        source=raw.source,
        kind=raw.kind,
        title=title,
        date=doc_date,
        date_source=how if doc_date else None,
        url=raw.url,
        dateline=dateline.place,
        outlet=dateline.outlet or outlet_line,
        removed=tuple(removed),
    )
    return doc
