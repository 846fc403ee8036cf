"""Statistics on funnel counts: intervals, comparisons, models, shrinkage, planning.

Pure functions of cells or counts; nothing here reads files or knows about pages.
"""
