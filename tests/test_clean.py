import pytest

from polybius.clean import CleanError, clean, headline_of, is_english, normalize_date, split_head, strip_junk
from polybius.models import RawDocument

BODY = (
    "Russian President Vladimir Putin on Monday endorsed parts of a proposal from the United States.\n\n"
    "Putin said the letter was a very serious document, and officials in Washington welcomed the remarks."
)


def raw(content, kind="text", **kw):
    return RawDocument(id="d1", kind=kind, content=content, source="t.txt", **kw)


@pytest.mark.parametrize(
    "tail",
    [
        "Check Also\n\nTurkey's Erdogan Plots Power Grab\n\nAngered by their continued independence, the strongman is …",
        "NEW YORK TIMES\nabout the writer\nIn interviews with the Star Tribune, Ryan described life before the war.",
        "Related Articles\nChina warns Taiwan\nIndia and Pakistan trade fire",
        "Share this:\nFacebook\nTwitter",
        "Subscribe to our newsletter for the latest news.",
        "Copyright 2023 Example News. All rights reserved.",
        "About the author: Jane Doe covers Russia for Example News.",
        "Read more: Ukraine says it repelled attacks",
        "12 comments",
    ],
)
def test_junk_tails_are_cut(tail):
    doc = clean(raw("Headline about Russia\n\n" + BODY + "\n\n" + tail))
    assert doc.text.endswith("welcomed the remarks.")
    assert doc.removed and doc.removed[0].startswith("junk tail")


def test_outlet_line_is_recorded():
    text, removed, outlet = strip_junk(BODY + "\nNEW YORK TIMES\nabout the writer\nblah blah")
    assert outlet == "NEW YORK TIMES" and text.endswith("remarks.")


def test_share_lines_inside_body_removed():
    text, removed, _ = strip_junk(BODY.replace("\n\n", "\nShare on Facebook\n"))
    assert "Facebook" not in text and removed


def test_sentence_starting_with_related_is_kept():
    body = (
        BODY
        + "\n\nRelated talks between both delegations should resume in Geneva next month, officials said."
    )
    doc = clean(raw(body))
    assert "Geneva" in doc.text


def test_lone_dateline_and_headline():
    doc = clean(raw("MOSCOW\nBush letter to Putin opens up possibility of deeper negotiations\n" + BODY))
    assert doc.dateline == "MOSCOW"
    assert doc.title == "Bush letter to Putin opens up possibility of deeper negotiations"
    assert doc.text.startswith("Russian President")


def test_inline_dateline_with_outlet_and_date():
    body, title, dl = split_head(
        "KYIV, March 3 (Reuters) - Ukraine said on Friday that Russian troops shelled the city."
    )
    assert dl.place == "KYIV" and dl.outlet == "Reuters" and dl.date_text == "March 3"
    assert body.startswith("Ukraine said")
    body, _, dl = split_head("WASHINGTON (AP) — The White House said on Tuesday that talks would resume.")
    assert dl.place == "WASHINGTON" and dl.outlet == "AP" and body.startswith("The White House")


def test_given_date_wins_and_is_normalised():
    doc = clean(raw("MOSCOW, March 17 (Reuters) - " + BODY, date="2008-03-18T10:00:00Z"))
    assert doc.date == "2008-03-18" and doc.date_source == "given"
    with pytest.raises(CleanError, match="unreadable date"):
        clean(raw(BODY, date="sometime soon"))


def test_dateline_date_without_year_is_not_guessed():
    doc = clean(raw("MOSCOW, March 17 (Reuters) - " + BODY))
    assert doc.date is None  # never the day of processing
    doc = clean(raw("MOSCOW, March 17, 2008 (Reuters) - " + BODY))
    assert doc.dateline == "MOSCOW" and doc.date == "2008-03-17" and doc.date_source == "dateline"


def test_normalize_date_forms():
    assert normalize_date("2009-03-04") == "2009-03-04"
    assert normalize_date("March 4, 2009") == "2009-03-04"
    assert normalize_date("4 March 2009") == "2009-03-04"
    assert normalize_date("yesterday") is None
    assert normalize_date(None) is None


def test_html_main_text_title_and_date():
    html = f"""<!DOCTYPE html><html><head><title>Putin endorses Bush letter | Example News</title>
    <meta property="article:published_time" content="2008-04-07T09:00:00Z"></head>
    <body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Putin endorses Bush letter</h1>
    {"".join(f"<p>{p}</p>" for p in BODY.split(chr(10) * 2))}
    <p>{BODY.split(chr(10))[0]}</p></article>
    <footer>Copyright 2008 Example News. All rights reserved.</footer></body></html>"""
    doc = clean(raw(html, kind="html"))
    assert "endorsed parts of a proposal" in doc.text
    assert "Home" not in doc.text and "Copyright" not in doc.text
    assert doc.date == "2008-04-07" and doc.date_source == "html"
    assert doc.title and "Putin endorses Bush letter" in doc.title


def test_broken_or_empty_html_is_an_error():
    with pytest.raises(CleanError):
        clean(raw("<html><body><div><p", kind="html"))


def test_non_english_is_an_error():
    spanish = (
        "El presidente de Rusia se reunió el lunes con el secretario de Estado de los Estados Unidos en Moscú "
        "para hablar de la defensa antimisiles y de los acuerdos de control de armas nucleares."
    )
    assert not is_english(spanish)
    with pytest.raises(CleanError, match="not English"):
        clean(raw(spanish))
    assert is_english(BODY)


def test_code_title_keeps_the_title_as_the_first_paragraph():
    raw = RawDocument(
        id="t", kind="text", content="Iran Rejects  Talks\n\nTEHRAN (AP) - Iran rejected talks on Monday.", source="x"
    )
    plain = clean(raw)
    assert plain.title == "Iran Rejects Talks" and plain.title_end == 0 and "Rejects" not in plain.text
    kept = clean(raw, code_title=True)
    assert kept.text.startswith("Iran Rejects Talks\n\n") and kept.text[: kept.title_end] == "Iran Rejects Talks"
    assert kept.text.endswith("Iran rejected talks on Monday.")


@pytest.mark.parametrize(
    ("title", "headline"),
    [
        ("Iran criticizes Iraq | Reuters", "Iran criticizes Iraq"),
        ("Russia and China sign deal - BBC News", "Russia and China sign deal"),
        ("Putin - Bush", "Putin - Bush"),  # too short to carry a site name
        ("Iran  Rejects\nTalks", "Iran Rejects Talks"),
    ],
)
def test_headline_of_a_page_title(title, headline):
    assert headline_of(title) == headline


WRAPPED = (
    "The foreign ministers of Chile and Peru met in Lima on\n"
    "Thursday and agreed to reopen the border crossing that was\n"
    "closed during the dispute over fishing rights. Officials said\n"
    "the talks would resume next month.\n"
    "\n"
    "Trade between the two neighbours fell by a third last year,\n"
    "according to figures from the customs office in Santiago.\n"
    "Farmers on both sides had asked for the crossing to reopen."
)


def test_hard_wrapped_paragraphs_are_rejoined_in_place():
    from polybius.clean import rejoin_wrapped

    joined = rejoin_wrapped(WRAPPED)
    assert len(joined) == len(WRAPPED)  # offsets into the stored text are unchanged
    first, second = joined.split("\n\n")
    assert "\n" not in first and "met in Lima on Thursday" in first
    # a line that ends a sentence keeps its break; the others become spaces
    assert second.split("\n") == [
        "Trade between the two neighbours fell by a third last year, according to figures from the customs "
        "office in Santiago.",
        "Farmers on both sides had asked for the crossing to reopen.",
    ]


def test_lines_that_are_units_keep_their_breaks():
    from polybius.clean import rejoin_wrapped

    headlines = "Quake hits coast\nPresident visits flooded towns in the north of the country today\nMarkets fall"
    listing = (
        "The statement listed three demands of the strikers at the port:\n"
        "- higher wages for the dock workers who load the grain ships\n"
        "- shorter shifts for the crane operators working through the night\n"
        "- safety checks"
    )
    short = "Talks\nended\nearly"
    for text in (headlines, listing, short):
        assert rejoin_wrapped(text) == text


def test_clean_rejoins_wrapped_plain_text_but_not_html():
    doc = clean(RawDocument(id="w", kind="text", content=WRAPPED, source="t"))
    assert "met in Lima on Thursday" in doc.text
    html = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in WRAPPED.split("\n\n")) + "</article></body></html>"
    page = clean(RawDocument(id="h", kind="html", content=html, source="t"))
    assert "met in Lima on\nThursday" in page.text or "met in Lima on Thursday" in page.text


def test_a_wrapped_sentence_is_coded_as_one(coder):
    from conftest import code_text

    result = code_text(
        coder,
        "Police in the capital arrested dozens of protesters who had\n"
        "gathered outside the parliament building in Nairobi to demand\n"
        "lower food prices, officials of Kenya said on Tuesday.",
    )
    assert len(result.sentences) == 1


def test_a_short_english_sentence_is_english_whatever_its_function_words():
    # headline-like wire sentences carry few of English's commonest words
    assert is_english("Israeli jets struck militant positions overnight near the Rafah crossing")
    assert is_english("Coalition warplanes bombed rebel depots outside Sanaa, Yemeni witnesses reported")
    doc = clean(raw("Kenyan police arrested twelve opposition activists during Nairobi protests Tuesday"))
    assert "Kenyan police" in doc.text


def test_short_foreign_text_and_other_scripts_are_not_english():
    assert not is_english("Rusia y Ucrania firmaron un acuerdo de paz en Estambul el martes")
    assert not is_english("Le président français a rencontré les dirigeants européens à Bruxelles")
    assert not is_english("Die Regierung hat am Montag neue Sanktionen gegen den Iran beschlossen")
    cyrillic = "Президент России встретился с министром иностранных дел в Москве в понедельник. " * 3
    assert not is_english(cyrillic + "Putin Lavrov")


def test_a_short_wrapped_paragraph_runs_on_into_a_lower_case_line():
    from polybius.clean import rejoin_wrapped

    two = "The harbour authority of Valparaiso suspended all cargo loading\nat the northern piers on Friday."
    assert rejoin_wrapped(two) == two.replace("\n", " ")
    # an upper-case next line, a short line, or a line ending a sentence keeps its break
    kept = [
        "Ministers of both coastal states will meet again next month\nOfficials said the talks would go on.",
        "Port strike\nat the northern piers ends",
        "The harbour authority suspended all cargo loading on Friday.\nloading resumed later.",
    ]
    for text in kept:
        assert rejoin_wrapped(text) == text
