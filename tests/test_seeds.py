"""The two real seed reports in ../shared/seeds (skipped when absent): US-Russia events both ways, nothing
from the junk tails, the people resolved at each article's date, dates and places of the events."""


import pytest
from conftest import SHARED

from polybius.clean import clean
from polybius.models import DocumentResult, RawDocument

SEEDS = SHARED / "seeds"
pytestmark = pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds is absent")
# The articles carry no dates of their own: these are their publication dates.
DATES = {"000_b274f3b91c74fd13.txt": "2009-03-04", "004_1cc7e1a563c3987e.txt": "2008-03-18"}


@pytest.fixture(scope="module")
def seeds(coder) -> dict[str, DocumentResult]:
    out = {}
    for name, day in DATES.items():
        raw = RawDocument(id=name, kind="text", content=(SEEDS / name).read_text(encoding="utf-8"),
                          source=name, date=day)  # fmt: skip
        (out[name],) = coder.code([clean(raw)])
    return out


def all_events(seeds):
    return [e for r in seeds.values() for e in r.events]


def test_us_russia_events_both_ways(seeds):
    dyads = {(e.source.country, e.target.country) for e in all_events(seeds) if e.target}
    assert ("RUS", "USA") in dyads and ("USA", "RUS") in dyads
    putin = [e for e in seeds["004_1cc7e1a563c3987e.txt"].events if e.source.name == "Vladimir Putin"]
    assert any(e.target and e.target.name == "George W. Bush" and e.cameo_root == "05" for e in putin)
    assert any(e.target and e.target.code == "USAGOV" and e.cameo_root == "04" for e in putin)


def test_nothing_from_the_junk_tails(seeds):
    for r in seeds.values():
        assert "Check Also" not in r.document.text and "about the writer" not in r.document.text
        assert "Erdogan" not in r.document.text and "Star Tribune" not in r.document.text
    assert seeds["004_1cc7e1a563c3987e.txt"].document.dateline == "MOSCOW"
    assert seeds["004_1cc7e1a563c3987e.txt"].document.outlet == "NEW YORK TIMES"


def actors_named(seeds):
    found = {}
    for e in all_events(seeds):
        for a in (e.source, e.target):
            if a is not None:
                found.setdefault(a.name, a)
    return found


def test_people_resolved_at_each_articles_date(seeds, coder):
    found = actors_named(seeds)
    for name in ("Vladimir Putin", "George W. Bush", "Condoleezza Rice", "Dmitry Medvedev", "Barack Obama",
                 "Jeffrey Feltman"):  # fmt: skip
        assert name in found, name
        assert (found[name].country, found[name].sector) in {("USA", "GOV"), ("RUS", "GOV")}, found[name]
    assert found["Jeffrey Feltman"].code == "USAGOV"
    # people who are named but act in no coded event are resolved the same way
    from datetime import date

    from polybius.actors.explain import explain

    resolver = coder.extractor.resolver
    for text, day, code in [
        ("Robert Gates", date(2008, 3, 18), "USAGOV"),
        ("Hillary Clinton", date(2009, 3, 4), "USAGOV"),
        ("Dmitry Medvedev", date(2008, 3, 18), "RUSELI"),  # president-elect: no office yet
        ("Dmitry Medvedev", date(2009, 3, 4), "RUSGOV"),
        ("Vladimir Putin", date(2008, 3, 18), "RUSGOV"),
    ]:
        assert explain(text, day, resolver, coder.nlp).actor.code == code, text
    shapiro = explain("Dan Shapiro of the White House's national security council", None, resolver, coder.nlp)
    assert shapiro.actor.code == "USAGOV"


def test_dates_and_places(seeds):
    first = seeds["000_b274f3b91c74fd13.txt"].events
    madrid = [e for e in first if e.location and e.location.name == "Madrid"]
    assert madrid and all(e.location.country == "ESP" for e in madrid)
    damascus = [e for e in first if e.target and e.target.country == "SYR" and e.location]
    assert any(e.location.country == "SYR" for e in damascus)
    assert any(e.date == "2009-03-03" and e.date_how == "relative" for e in first)  # "on Tuesday"
    second = seeds["004_1cc7e1a563c3987e.txt"].events
    moscow = [e for e in second if "traveled to Moscow" in e.evidence_text]
    assert moscow and moscow[0].location.country == "RUS" and moscow[0].date == "2007-10-01"  # "in October"
