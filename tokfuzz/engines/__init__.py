"""Engines: what feeds inputs to the oracles, and the campaign that runs them.

Takes in: inputs (``tokfuzz.strategies``, ``tokfuzz.inputs``), subjects
(``tokfuzz.backends``), the oracles and the findings stage. Hands on: ``SubjectRun`` objects
(classes found, inputs checked) to the command line and the report, and new classes
to the corpus. Modules: ``hunt`` (the engine-agnostic check of one input: oracles,
minimize, sign, count), ``hypothesis`` (hypothesis as a generator, in-process),
``atheris`` (libFuzzer in a child process) with ``atheris_harness`` (what runs inside
it, shared by ``fuzz_targets/``) and ``seed_corpus`` (its seed inputs), and
``campaign`` (the time-boxed loop over (subject, engine) jobs in worker processes).
"""
