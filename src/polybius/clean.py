"""Clean: HTML to main text, junk tails and share lines removed, title, dateline and publication date found.

The cleaned `Document.text` is what gets stored, split into sentences and pointed into by every evidence span,
so offsets stay valid by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser

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
# Datelines: "MOSCOW, March 17 (Reuters) -", "WASHINGTON (AP) —", "KYIV, Ukraine, March 3 (Reuters) -",
# "MOSCOW —", "SAN FRANCISCO, Calif. (AP) —", "LONDON, 3 March 2008 (AFP) -"; in title case only with an outlet:
# "Kyiv, Ukraine (AP) —"; and the outlet alone: "(CNN) —".
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = rf"(?:{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?)"
# A line at the head that is only a date (with a year): "January 18, 2021", "28 February 2019", "Updated 6:35 AM
# EDT, June 19, 2023", "October 9, 2019 | 5:47 PM", "Minsk, 16 August 2020 —", "Published: 2021-01-18".
_WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?"
_TIME = r"\d{1,2}[:.]\d{2}\s*(?:[AaPp]\.?[Mm]\.?)?(?:\s*[A-Z]{2,4}\b)?"
_FULL_DATE = (
    rf"(?:(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})"
    r"|\d{4}-\d{2}-\d{2})"
)
DATE_LINE = re.compile(
    rf"""^(?:(?:last\s+)?(?:updated|published|posted|first\s+published)\s*(?:on|:)?\s*)?
        (?:(?!{_WEEKDAY},)(?P<place>[A-Z][A-Za-z.'\-]+(?:[ /][A-Z][A-Za-z.'\-]+){{0,3}}),\s*(?=.*\d{{4}}))?   # "Minsk, "
        (?:{_TIME}\s*[,|·•]?\s*)?
        (?P<date>{_FULL_DATE})
        (?:\s*(?:[,|·•]|at)?\s*{_TIME})?
        \s*(?:-{{1,2}}|–|—)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_REGION = rf"(?!{_MONTH}\s+\d)[A-Z][A-Za-z.'\-]*(?:\s+[A-Z][A-Za-z.'\-]*){{0,2}}"
_OUTLET = r"\((?P<outlet>[A-Z][A-Za-z .&'-]{0,40})\)"
_DASH = r"\s*(?:-{1,2}|–|—|:)\s+"
NOT_DATELINES = (
    r"(?:BREAKING|UPDATE|UPDATED|EXCLUSIVE|WATCH|LIVE|ANALYSIS|OPINION|EDITORIAL|CORRECTION|FACTBOX|EXPLAINER|"
    r"INSIGHT|REFILE|URGENT|FLASH|VIDEO|PHOTOS?|COMMENT|REVIEW|NOTE|EDITOR'S\s+NOTE|SPONSORED)\b"
)
DATELINE = re.compile(
    rf"""^(?!{NOT_DATELINES})
        (?P<place>[A-Z][A-Z.'\-/ ]{{1,40}}[A-Z.])        # place in capitals
        (?:,\s*(?P<region>{_REGION}))?                   # ", Ukraine" / ", Calif."
        (?:,\s*(?P<date>{_DATE}))?                       # ", March 17" / ", March 17, 2008"
        \s*(?:{_OUTLET})?                                # "(Reuters)"
        {_DASH}""",
    re.VERBOSE,
)
DATELINE_TITLE = re.compile(
    rf"""^(?P<place>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){{0,2}})   # "Kyiv", "New Delhi"
        (?:,\s*(?P<region>{_REGION}))?
        (?:,\s*(?P<date>{_DATE}))?
        \s*{_OUTLET}\s*(?:-{{1,2}}|–|—)\s+""",
    re.VERBOSE,
)
OUTLET_ONLY = re.compile(rf"^{_OUTLET}\s*(?:-{{1,2}}|–|—)\s+")
LONE_PLACE = re.compile(rf"^(?!{NOT_DATELINES})[A-Z][A-Z.'\-/ ]{{1,40}}[A-Z]$")
OUTLETS = re.compile(
    r"^(?:the\s+)?(?:new\s+york\s+times|washington\s+post|associated\s+press|reuters|afp|agence\s+france-presse|"
    r"bbc(?:\s+news)?|the\s+guardian|guardian|al\s+jazeera|bloomberg|xinhua|tass|ap|cnn|los\s+angeles\s+times|"
    r"wall\s+street\s+journal|financial\s+times|the\s+times|star\s+tribune|nyt|upi|dpa|efe|ria\s+novosti|"
    r"interfax|anadolu(?:\s+agency)?|kyodo(?:\s+news)?|yonhap|irna|wafa|press\s+trust\s+of\s+india|"
    r"npr|abc\s+news|cbs\s+news|nbc\s+news|fox\s+news|sky\s+news|the\s+independent|the\s+telegraph|"
    r"the\s+economist|politico|axios|usa\s+today|the\s+hindu|haaretz|the\s+times\s+of\s+israel|"
    r"the\s+jerusalem\s+post|arab\s+news|the\s+moscow\s+times|kyiv\s+independent|south\s+china\s+morning\s+post)"
    r"\.?$",
    re.IGNORECASE,
)
# "By John Smith", "By JOHN SMITH and JANE DOE, Reuters", "By John Smith | Associated Press"
_NAME = r"[A-Z][A-Za-z.'\-]*(?:\s+(?:[A-Z][A-Za-z.'\-]*|de|van|von|al|el|bin|da|di|du|la|le)){0,4}"
BYLINE = re.compile(
    rf"^(?:By|BY|by)\s+{_NAME}(?:\s*(?:,|and|&|AND)\s*{_NAME})*(?:\s*[,|/–—-]\s*[A-Za-z][\w .&'-]{{0,40}})?\.?$"
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
    region: str | None = None  # "Ukraine" in "KYIV, Ukraine, March 3 (Reuters) -"
    byline: str | None = None  # "By John Smith" lines taken off the top


# Frequent function words of the other languages news most often arrives in with Latin script: a short text is
# judged by which language's function words it uses, not by how many English ones it has.
OTHER_FUNCTION_WORDS = frozenset(
    "de la y en un el los las del una por con para que se su sus al lo como pero fue "  # Spanish
    "et le les des du une est dans pour qui sur au aux avec ce cette sont pas "  # French
    "der die das und ist nicht mit den dem ein eine auf sich auch wird "  # German
    "il della di che non per una sono gli nel alla "  # Italian
    "os da do das dos em uma com não na no pelo pela "  # Portuguese
    "het een van zijn niet met voor ook wordt "  # Dutch
    "dan yang dengan untuk dari ini itu tidak "  # Indonesian / Malay
    "ve bir bu da ile için olarak".split()  # Turkish
)


def is_english(text: str, min_share: float = 0.12) -> bool:
    """Whether `text` is English enough to code.

    Text mostly in another script is not. A text of 40 or more words needs `min_share` of its words among
    English's commonest words; a shorter one (a lone sentence, a headline: too few words for a share to mean
    much) is English unless another language's function words outnumber English ones."""
    letters = [c for c in text if c.isalpha()]
    latin = sum(c.isascii() for c in letters)
    if not letters or latin / len(letters) < 0.5:
        return False
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    if len(words) < 8:
        return True  # too short to judge
    english = sum(w in ENGLISH_WORDS for w in words)
    if english / len(words) >= min_share:
        return True
    other = sum(w in OTHER_FUNCTION_WORDS and w not in ENGLISH_WORDS for w in words)
    return len(words) < 40 and english >= other


def normalize_space(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", " ")
    text = re.sub(r"[ \u2009\u200a\u202f]+", " ", text)
    lines = [ln.strip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


WRAP_MIN_WIDTH = 40  # a hard-wrapped paragraph's longest line has at least this many characters
WRAP_SHARE = 0.7  # ... and a line that is wrapped fills at least this share of it
LIST_LINE = re.compile(r"^(?:[-*\u2022\u2013]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")


def rejoin_wrapped(text: str) -> str:
    """Undo hard wrapping (archived wire copy, e-mail, PDF-to-text): inside a paragraph whose lines are of
    similar width, a line break that does not end a sentence becomes a space, so the sentence is not cut in two.
    Blank lines, list lines, short lines (a real break) and lines ending a sentence keep their break. The text
    keeps its length, so offsets are unchanged."""
    out = []
    for para in re.split(r"(\n\n+)", text):
        lines = para.split("\n")
        if len(lines) < 2 or para.startswith("\n"):
            out.append(para)
            continue
        width = max(len(ln) for ln in lines[:-1])
        full = [len(ln) >= WRAP_SHARE * width for ln in lines[:-1]]
        if len(lines) < 3 or width < WRAP_MIN_WIDTH or sum(full) < max(2, 0.6 * len(full)):
            # too few lines, or lines of unequal width (headlines, lists, verse): each line is its own unit,
            # except where a long line that ends no sentence runs on into a line starting in lower case
            out.append(rejoin_continuations(lines))
            continue
        joined = lines[0]
        for prev, line, wide in zip(lines, lines[1:], full, strict=False):
            keep = not wide or not line or SENTENCE_END.search(prev) or LIST_LINE.match(line)
            joined += ("\n" if keep else " ") + line
        out.append(joined)
    return "".join(out)


def rejoin_continuations(lines: list[str]) -> str:
    """Join a break after a line of wrapping width (WRAP_MIN_WIDTH or more) that ends no sentence when the next
    line starts in lower case: no sentence, headline or list item starts so, the sentence runs on."""
    joined = lines[0]
    for prev, line in zip(lines, lines[1:], strict=False):
        runs_on = len(prev.rstrip()) >= WRAP_MIN_WIDTH and not SENTENCE_END.search(prev) and line[:1].islower()
        joined += (" " if runs_on else "\n") + line
    return joined


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


def match_dateline(text: str) -> re.Match[str] | None:
    """An inline dateline at the start of `text` (capitals, or title case with an outlet, or the outlet alone)."""
    m = DATELINE.match(text)
    if m and len(m.group("place").split()) <= 4:
        return m
    return DATELINE_TITLE.match(text) or OUTLET_ONLY.match(text)


def is_lone_place(line: str) -> bool:
    return bool(LONE_PLACE.match(line)) and len(line.split()) <= 4 and not OUTLETS.match(line)


def is_date_line(line: str) -> bool:
    """A head line that only dates the story ("January 18, 2021", "Updated 6:35 AM EDT, June 19, 2023")."""
    return len(line) <= 80 and bool(DATE_LINE.match(line))


def is_byline(line: str) -> bool:
    return len(line) <= 120 and bool(BYLINE.match(line))


def take_meta(lines: list[str], i: int, found: dict[str, str]) -> int:
    """Skip blank lines, byline lines and outlet lines ("NEW YORK TIMES") from line i; record what they said."""
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            pass
        elif is_byline(line):
            found.setdefault("byline", line)
        elif is_date_line(line):
            m = DATE_LINE.match(line)
            found.setdefault("date", m.group("date"))
            if m.group("place"):
                found.setdefault("place", m.group("place"))
        elif OUTLETS.match(line):
            found.setdefault("outlet", line)
        else:
            break
        i += 1
    return i


def split_head(
    text: str, known_title: str | None = None, detect_title: bool = True
) -> tuple[str, str | None, Dateline]:
    """Take a lone dateline line, a headline, bylines, outlet lines and an inline dateline off the top."""
    lines = text.split("\n")
    place = date_text = region = None
    title = None
    found: dict[str, str] = {}
    i = take_meta(lines, 0, found)
    if i < len(lines) and is_lone_place(lines[i].strip()):
        place = lines[i].strip()
        i = take_meta(lines, i + 1, found)
    if i < len(lines):
        first = lines[i].strip()
        rest = [ln.strip() for ln in lines[i + 1 :] if ln.strip()]
        nxt = rest[0] if rest else ""
        following = "\n".join(rest)
        if known_title and first.lower() == known_title.strip().lower():
            title = first
            i += 1
        is_headline = (
            title is None
            and detect_title
            and (
                len(first.split()) <= 20
                and not first.endswith((".", '"', "”", ":"))
                and not match_dateline(first)
                and len(following.split()) >= 8
            )
        )
        if is_headline and (
            not nxt
            or len(nxt.split()) >= 4
            or match_dateline(nxt)
            or is_lone_place(nxt)
            or is_byline(nxt)
            or is_date_line(nxt)
            or OUTLETS.match(nxt)
        ):
            title = first
            i += 1
        i = take_meta(lines, i, found)
    body = "\n".join(lines[i:]).strip()
    head_line = body.split("\n", 1)[0].strip()
    if place is None and is_lone_place(head_line) and len(head_line) <= 30:
        place, _, body = body.partition("\n")
        place = place.strip()
        body = "\n".join(lines_after_meta(body.split("\n"), found)).strip()
    m = match_dateline(body)
    outlet = found.get("outlet")
    if m:
        groups = m.groupdict()
        dl_place = (groups.get("place") or "").strip().rstrip(",") or None
        if dl_place and OUTLETS.match(dl_place):  # "AP —"
            outlet, dl_place = dl_place, None
        place = dl_place or place
        outlet = groups.get("outlet") or outlet
        region = groups.get("region")
        date_text = groups.get("date")
        body = body[m.end() :]
    place = place or found.get("place")  # "Minsk, 16 August 2020 —"
    line_date = found.get("date")
    if line_date and not (date_text and re.search(r"\d{4}", date_text)):
        date_text = line_date  # a date line with its year says more than a dateline without one
    return body, title, Dateline(place, outlet, date_text, region, found.get("byline"))


def lines_after_meta(lines: list[str], found: dict[str, str]) -> list[str]:
    return lines[take_meta(lines, 0, found) :]


def normalize_date(value: str | None, relative_to: date | None = None) -> str | None:
    """ISO date from a date string, or None when it cannot be read or names no day ("2013", "March 2013": a
    day must not be made up, nor a month). Never the day of processing: a date without a year ("July 22") is
    read only with `relative_to`, as the latest such day on or before it, and is None without it."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    if relative_to is None and not re.search(r"\b\d{4}\b", value):
        return None  # "March 17" with no year and nothing to anchor it: unknown, not this year
    import dateparser  # slow to import; only needed for free-form dates

    base = datetime.combine(relative_to or FILLER_BASE, datetime.min.time())
    readings = []
    for day in ("first", "last"):  # what dateparser fills in differs between the two: the text did not say it
        settings: dict[str, object] = {
            "PREFER_DAY_OF_MONTH": day,
            "RETURN_AS_TIMEZONE_AWARE": False,
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "past",
        }
        try:
            parsed = dateparser.parse(value, languages=["en"], settings=settings)
        except (ValueError, OverflowError):
            parsed = None
        if parsed is None:
            return None
        readings.append(parsed.date())
    if readings[0] != readings[1]:
        return None  # no day of the month in the text
    return readings[0].isoformat()


FILLER_BASE = date(2001, 1, 1)  # dateparser's base when a date has its year: nothing may come from today


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
    if result is None or not (result.text or "").strip():
        # trafilatura reads through lxml, whose tree stops at 255 levels: a page nested deeper loses all its
        # text there. The fallback reads the tags as a flat stream, whatever the depth.
        return fallback_text(html), result.title if result else None, result.date if result else None
    return result.text or "", result.title, result.date


SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside",
                       "form", "button", "select", "svg", "iframe"})  # fmt: skip
BLOCK_TAGS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "article", "section",
                        "blockquote", "tr", "td", "th", "pre", "ul", "ol", "dd", "dt", "main"})  # fmt: skip


class _FlatText(HTMLParser):
    """Text of an HTML page read as a flat stream of tags (no tree, so no depth limit), without scripts,
    navigation, headers and footers; block tags end a paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def fallback_text(html: str) -> str:
    parser = _FlatText()
    parser.feed(html)
    parser.close()
    paragraphs = (" ".join(p.split()) for p in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


SITE_SUFFIX = re.compile(r"\s+[|\-–—]\s+(\S+(?:\s+\S+){0,3})\s*$")  # "... | Reuters", "... - BBC News"


def headline_of(title: str) -> str:
    """The headline in a page title: one line, without a trailing site name ("Iran criticizes Iraq | Reuters")."""
    headline = " ".join(title.split())
    found = SITE_SUFFIX.search(headline)
    if found and len(headline[: found.start()].split()) >= 3:
        headline = headline[: found.start()]
    return headline


def publication_date(
    given: str | None, page: str | None, dateline: str | None, default: str | None
) -> tuple[str | None, str | None]:
    """The document's date and where it came from, the document's own first: the input's date (`given`: a
    JSON line's "date"), else the page's (`html`: htmldate), else its dateline's (`dateline`; one without a year
    takes it from `default`, on or before it, and is unknown without it), else `default` (the `--date` option,
    the Python API's `date`). Raises CleanError for a given date that cannot be read or names no day."""
    if given:
        doc_date = normalize_date(given)
        if doc_date is None:
            raise CleanError(f"unreadable date {given!r} (a day is needed, e.g. YYYY-MM-DD)")
        return doc_date, "given"
    fallback = normalize_date(default) if default else None
    if default and fallback is None:
        raise CleanError(f"unreadable default date {default!r} (YYYY-MM-DD)")
    if page and (doc_date := normalize_date(page)):
        return doc_date, "html"
    anchor = date.fromisoformat(fallback) if fallback else None
    if dateline and (doc_date := normalize_date(dateline, relative_to=anchor)):
        return doc_date, "dateline"
    if fallback:
        return fallback, "default"
    return None, None


def clean(raw: RawDocument, code_title: bool = False, default_date: str | None = None) -> Document:
    """Clean one raw document. Raises CleanError when nothing usable is left. `default_date` (YYYY-MM-DD) is
    the publication date of a document that gives none of its own (see `publication_date`).

    With `code_title`, the title is kept as the text's first paragraph (`Document.title_end`), so that the
    headline is coded like any sentence and every offset still points into `Document.text`."""
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
    if raw.kind == "text":
        text = rejoin_wrapped(text)
    text, removed, outlet_line = strip_junk(text)
    body, text_title, dateline = split_head(text, known_title=title, detect_title=raw.kind == "text")
    title = title or text_title
    if len(body.split()) < 3:
        raise CleanError("no article text left after cleaning")
    if not is_english(body):
        raise CleanError("not English (too few common English words); only English text is coded")

    doc_date, how = publication_date(raw.date, page_date, dateline.date_text, raw.default_date or default_date)
    title_end = 0
    headline = headline_of(title) if code_title and title else ""
    if headline:
        body, title_end = f"{headline}\n\n{body}", len(headline)
    doc = Document(
        id=raw.id,
        text=body,
        source=raw.source,
        kind=raw.kind,
        title=title,
        date=doc_date,
        date_source=how,
        url=raw.url,
        dateline=f"{dateline.place}, {dateline.region}" if dateline.place and dateline.region else dateline.place,
        outlet=dateline.outlet or outlet_line,
        removed=tuple(removed),
        title_end=title_end,
    )
    return doc
