"""Writers of real-looking exports, one module per format family (the readers' inverse).

Each writes canonical cells (e.g. the simulator's shop) in the layout, language and number
formats of a real export, so that reading the file back round-trips the counts the format
carries; :func:`analysis.sample.exports.write_exports` uses them for the sample folder, and the
tests for round trips. Shared: :mod:`~analysis.sources.writers.text` (numbers, money, rates as a
UI writes them) and :mod:`~analysis.sources.writers.table` (xlsx / CSV of text cells, headers in
a UI language). Formats: ``docs/data-formats.md``.

They are fixtures imitating real exports, not outputs for people: text is written as the
platform writes it, without the formula escape of :mod:`analysis.sources.safe_text` (which the
kit's own outputs, ``cartlift load --out`` and ``questions.csv``, apply); xlsx text cells are
strings (``data_type="s"``), never formulas.
"""
