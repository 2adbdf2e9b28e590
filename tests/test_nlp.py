"""Parse stage: headline casing for coded titles."""

import pytest

from polybius.nlp import headline_case

NAMES = {"niger", "saint vincent and the grenadines", "uzbekistan", "senegal", "tehran"}


def is_name(phrase: str) -> bool:
    return phrase.lower() in NAMES


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Rebels In Niger Announce Suspension Of Attacks", "Rebels in Niger announce suspension of attacks"),
        (
            "Saint Vincent and the Grenadines Opens Fishing Season",
            "Saint Vincent and the Grenadines opens fishing season",
        ),
        ("Senegal Leader Criticizes Uzbekistan's Response", "Senegal leader criticizes Uzbekistan's response"),
        ("UN And NATO Send McDonald Aid", "UN and NATO send McDonald aid"),  # capitals, inner capitals stay
        ("Over 5,000 Rally In Central Tehran", "Over 5,000 rally in central Tehran"),
        ("Protests Erupt In Tehran On Sunday", "Protests erupt in Tehran on Sunday"),  # days keep capitals
    ],
)
def test_title_case_headline_in_sentence_case(title, expected):
    got = headline_case(title, is_name)
    assert got == expected and len(got) == len(title)


def test_headline_in_sentence_case_is_left_alone():
    title = "Police clash with angry rioters near the Capital of Niger"
    assert headline_case(title, is_name) == title
