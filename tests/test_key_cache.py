"""The cached name and place keys: the same keys as the plain functions, and whole texts are never cached."""

from polybius.actors import kb
from polybius.actors.kb import CACHED_KEY_CHARS, name_key
from polybius.where import _cached_place_key, _place_key, place_key

SAMPLES = [
    "The United States",
    "  the   U.S.  ",
    "Nur – Sultan",
    "Ma’rib",
    "São Paulo",
    "Côte d'Ivoire",
    "THE HAGUE",
    "north-eastern Syria",
    "",
]


def test_keys_are_those_of_the_plain_functions() -> None:
    for text in SAMPLES:
        assert name_key(text) == kb._name_key(text)
        assert name_key(text) == name_key(text)  # second call from the cache
        assert place_key(text) == _place_key(text)
        assert place_key(text) == place_key(text)


def test_long_texts_are_not_cached() -> None:
    long_text = "The President of the Republic met the Prime Minister " * 5
    assert len(long_text) > CACHED_KEY_CHARS
    before_name, before_place = kb._cached_name_key.cache_info(), _cached_place_key.cache_info()
    assert name_key(long_text) == kb._name_key(long_text)
    assert place_key(long_text) == _place_key(long_text)
    after_name, after_place = kb._cached_name_key.cache_info(), _cached_place_key.cache_info()
    assert (after_name.hits, after_name.misses) == (before_name.hits, before_name.misses)
    assert (after_place.hits, after_place.misses) == (before_place.hits, before_place.misses)


def test_caches_are_bounded() -> None:
    assert kb._cached_name_key.cache_info().maxsize is not None
    assert _cached_place_key.cache_info().maxsize is not None
