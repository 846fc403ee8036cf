"""The weekly report: papermill runs of the notebooks, HTML export, index and atomic publish.

No analysis of its own: every number comes from :mod:`analysis.analyses` (the index's
headline through :mod:`analysis.present.headline`). Read top-down from
:func:`analysis.report.run.run_report`: ``plan`` (arguments, notebooks, parameters, week;
``options`` holds the defaults and the command-line flags), then ``provenance``, ``jobs``
(parallel processes, each one ``execute`` job: papermill, then ``export`` with nbconvert,
checked by ``offline``), ``index`` and ``publish``.
"""
