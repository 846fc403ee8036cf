"""The columns each page shows of each result (the rest stays in the frame for readers who
want it): presentation choices, kept apart from the analyses that compute the frames. A
log-odds column is listed under its own name and shown as an odds ratio (:data:`LOG_ODDS`).

``status`` is listed, never ``status_message``: :func:`analysis.present.display.table` shows the
reader's message of each row under the ``status`` heading (the code stays in the frame, for code
and tests to compare).
"""

from __future__ import annotations

__all__ = ["LOG_ODDS", "SHOWN"]

#: result name -> the columns a page shows, in order
SHOWN: dict[str, tuple[str, ...]] = {
    "intervention": (
        "design",
        "lives_before",
        "lives_after",
        "log_or",
        "log_or_ci_low",
        "log_or_ci_high",
        "planted_log_or",
        "rate_without",
        "rate_with",
        "ratio",
        "ratio_ci_low",
        "ratio_ci_high",
        "method",
        "status",
    ),
    "placebo": (
        "placebo",
        "shift_weeks",
        "date",
        "log_or",
        "log_or_ci_low",
        "log_or_ci_high",
        "status",
    ),
    "halo": (
        "window",
        "kind",
        "trials",
        "log_or",
        "ci_low",
        "ci_high",
        "planted_log_or",
        "status",
    ),
    "halo_decay": ("parameter", "estimate", "ci_low", "ci_high", "planted", "method", "status"),
    "fatigue": (
        "creator",
        "n_lives",
        "slope",
        "ci_low",
        "ci_high",
        "planted_slope",
        "status",
    ),
    "change": (
        "side",
        "what",
        "crude",
        "crude_ci_low",
        "crude_ci_high",
        "adjusted",
        "adjusted_ci_low",
        "adjusted_ci_high",
        "verdict",
        "status",
    ),
    "anomalies": (
        "start",
        "flag",
        "trials",
        "rate",
        "expected_rate",
        "ratio",
        "ci_low",
        "ci_high",
        "shift",
        "expected_ratio",
        "status",
    ),
    "weekly_rates": (
        "period",
        "is_live",
        "trials",
        "rate",
        "ci_low",
        "ci_high",
        "n_clusters",
        "method",
        "status",
    ),
    "weekly_adjusted": (
        "period",
        "adjusted_ratio",
        "adjusted_ratio_ci_low",
        "adjusted_ratio_ci_high",
        "adjusted_method",
        "simpson",
    ),
    "weekly_slots": ("is_live", "slot", "hour", "trials", "rate", "ci_low", "ci_high", "status"),
    "weekly_movers": (
        "family",
        "group",
        "rate_a",
        "rate_b",
        "ratio",
        "ci_low",
        "ci_high",
        "pvalue_adjusted",
        "moved",
        "status",
    ),
    "weekly_anomalies": (
        "start",
        "flag",
        "trials",
        "rate",
        "expected_rate",
        "ratio",
        "ci_low",
        "ci_high",
        "status",
    ),
    "weekly_interventions": (
        "group",
        "date",
        "relation",
        "lives_before",
        "lives_after",
        "log_or",
        "log_or_ci_low",
        "log_or_ci_high",
        "rate_without",
        "rate_with",
        "status",
    ),
}

#: result name -> its columns on the log-odds scale that are not named so (``slope``,
#: ``ci_low``): :func:`analysis.present.display.table` shows them as odds ratios
#: (``log_odds=``); ``log_or`` and the other :data:`analysis.present.words.LOG_ODDS_COLUMNS`
#: are converted wherever they appear
LOG_ODDS: dict[str, tuple[str, ...]] = {
    "halo": ("log_or", "ci_low", "ci_high", "planted_log_or"),
    "fatigue": ("slope", "ci_low", "ci_high", "planted_slope"),
    "pretrend": ("slope", "ci_low", "ci_high"),
    "change": tuple(c for c in SHOWN["change"] if c.startswith(("crude", "adjusted"))),
    "segment_effects": ("log_odds_ratio", "ci_low", "ci_high", "expected_log_odds_ratio"),
}
