"""Findings: from a failing verdict to a stored, replayable case (DESIGN §5).

Takes in: failing ``Verdict`` objects from the oracles and the predicate that reproduces
them. Hands on: 1-minimal witnesses (``minimize``), signatures that group failures
into classes (``triage``), the JSON Lines store (``corpus``) and the rules for
replaying a stored case (``replay``) to the engines, the report and the pytest plugin.
"""
