"""Report: the corpus (and a campaign's counts) as pages, issues, data and snapshots.

Takes in: corpus cases (``tokfuzz.findings``), the campaign JSON and, for token
pieces and ids, the subjects' backends. Hands on: HTML and Markdown files, upstream
issue text, dataset directories, snapshot files. Modules:

* the triage report: ``data`` (classes, cases, counts), ``overview`` (root causes and the
  backend-pair × property matrix it leads with), ``witness`` (a witness as code points and
  token pieces), ``reproduce`` (paste-ready snippets per library, through tokfuzz),
  ``render`` (jinja2 over ``templates/``; a new format is a template plus a line there);
* upstream issues: ``upstream`` + ``upstream_words`` (the issue text of one root cause),
  ``standalone`` (one standalone reproducer per backend) over ``recipes``,
  ``recipes_libs``, ``recipes_hf``, ``recipes_js``, ``recipes_js_hf`` (no tokfuzz import);
* data for evaluation teams: ``export`` (the dataset), ``dataset_card`` (schema and card),
  ``categories`` (scripts, emoji kinds, length of a text);
* golden ids: ``snapshot`` (the file, create), ``drift`` (check, shrink, group) and
  ``localize`` (a drift without an oracle narrowed to its span).
"""
