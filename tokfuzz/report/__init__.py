"""Report: the corpus (and a campaign's counts) as pages people read.

Takes in: corpus cases (``tokfuzz.findings``), the campaign JSON and, for token
pieces, the subjects' backends. Hands on: HTML and Markdown files. Modules: ``data``
(the report's content: classes, cases, counts), ``witness`` (a witness as code points
and token pieces), ``reproduce`` (paste-ready reproducers per library), ``render``
(jinja2 over ``templates/``). A new output format is a new template plus a line in
``render``.
"""
