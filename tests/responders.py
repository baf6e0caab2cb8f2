"""Kept while tests/unit/test_matcher.py and test_rankers.py import `responders`: the same
functions as `auxil.responders` (one cache), where new tests should import them from."""

from auxil.responders import (
    catalogs,
    e5_responder,
    hashed_responder,
    lexical_responder,
    responder_for,
    shipped,
)

__all__ = [
    "catalogs",
    "e5_responder",
    "hashed_responder",
    "lexical_responder",
    "responder_for",
    "shipped",
]
