"""Tests of the language: parsing, type checking, and the constructs desugared there."""
from __future__ import annotations

import pytest

from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model_text


def assert_first_error(text: str, code: str, message: str) -> None:
    """Loading `text` fails, and its first diagnostic has `code` and says `message`."""
    with pytest.raises(ModelError) as e:
        load_model_text(text, "m.fork")
    d = e.value.diagnostics[0]
    assert d.code == code and message in d.message, d.message
