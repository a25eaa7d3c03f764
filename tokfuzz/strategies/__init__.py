"""Hypothesis strategies for the text that breaks tokenizers.

``unicode_text()`` is the campaign's default generator; the others generate one kind of
hard input each and can be used on their own in ``@given`` tests.
"""

from tokfuzz.strategies._code import CODE_LANGUAGES, code_with_string_literals
from tokfuzz.strategies._emoji import emoji_sequences
from tokfuzz.strategies._long import long_inputs
from tokfuzz.strategies._mixture import SPECIAL_TOKEN_LOOKALIKES, unicode_text
from tokfuzz.strategies._scripts import mixed_script_identifiers
from tokfuzz.strategies._special import near_misses, special_token_lookalikes
from tokfuzz.strategies._stdlib import STDLIB_MODULES
from tokfuzz.strategies._whitespace import whitespace_runs

__all__ = [
    "CODE_LANGUAGES",
    "SPECIAL_TOKEN_LOOKALIKES",
    "STDLIB_MODULES",
    "code_with_string_literals",
    "emoji_sequences",
    "long_inputs",
    "mixed_script_identifiers",
    "near_misses",
    "special_token_lookalikes",
    "unicode_text",
    "whitespace_runs",
]
