"""Input sources besides the public hypothesis strategies (``tokfuzz.strategies``).

Takes in: Unicode data (the ``emoji`` package, ``unicodedata``) and the strategies'
tables. Hands on: text to the engines. Modules: ``seeds`` (inputs from the Unicode
standards' own test data, checked first by every campaign), ``mutator`` (the
grapheme-aware libFuzzer custom mutator) and ``seed_files`` (libFuzzer's seed and
dictionary file formats). A new generator of hypothesis strategies goes to
``tokfuzz.strategies``; any other source of inputs goes here.
"""
