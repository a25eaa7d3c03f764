"""Benchmarks of tokfuzz itself (not part of the installed package).

``bench.faults`` holds plugin backends with one planted fault each
(``python:bench.faults:DropsZWJ``); ``python -m bench.fault_benchmark`` measures which of
them tokfuzz and a plain ``st.text()`` baseline find, and how fast.
"""
