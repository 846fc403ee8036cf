"""The weekly report: papermill runs of the notebooks, HTML export, index and atomic publish.

No analysis of its own: every number comes from :mod:`analysis.analyses`.
"""
