"""cartlift: live vs non-live add-to-cart analysis for TikTok Shop sellers.

This facade is the public surface: notebooks and analysts use ``import analysis as cl`` and the
names of :data:`__all__` (``cl.load``, ``cl.compare``, ``cl.halo``, ``cl.table``, ...). Each name
is imported from its sub-package on first use (PEP 562), so ``import analysis`` stays light:
statsmodels, scipy, matplotlib and seaborn load only when a function that needs them is called.

>>> import analysis as cl
>>> cells, truth = cl.simulate(weeks=2, seed=0)
>>> cl.rates(cells, by="is_live")  # doctest: +SKIP

The sub-packages, in the order data flows (each imports only those before it):
core modules (``cells``, ``metrics``, ``vocabulary``, ``errors``, ``paths``, ``weeks``) <-
``sources`` <- ``stats`` / ``sample`` <- ``analyses`` <- ``present`` <- ``report`` <- ``cli``.
See ``docs/architecture.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> (module that defines it, attribute there)
_EXPORTS: dict[str, tuple[str, str]] = {
    "CartliftError": ("analysis.errors", "CartliftError"),
    "CellsError": ("analysis.errors", "CellsError"),
    "EngineUnavailable": ("analysis.errors", "EngineUnavailable"),
    "IgnoredColumnsWarning": ("analysis.errors", "IgnoredColumnsWarning"),
    "LanguageError": ("analysis.errors", "LanguageError"),
    "NumberError": ("analysis.errors", "NumberError"),
    "RejectedRowsWarning": ("analysis.errors", "RejectedRowsWarning"),
    "ReportError": ("analysis.errors", "ReportError"),
    "UnreadableError": ("analysis.errors", "UnreadableError"),
    "ShopFileError": ("analysis.errors", "ShopFileError"),
    "FormulaError": ("analysis.errors", "FormulaError"),
    "ParameterError": ("analysis.errors", "ParameterError"),
    "STATUSES": ("analysis.vocabulary", "STATUSES"),
    "status_message": ("analysis.vocabulary", "status_message"),
    "is_undefined": ("analysis.vocabulary", "is_undefined"),
    "METRICS": ("analysis.metrics", "METRICS"),
    "get_metric": ("analysis.metrics", "get_metric"),
    "validate_cells": ("analysis.cells", "validate_cells"),
    "select_week": ("analysis.weeks", "select_week"),
    "resolve_week": ("analysis.weeks", "resolve_week"),
    "select_week_ranges": ("analysis.weeks", "select_week_ranges"),
    "within_weeks": ("analysis.weeks", "within_weeks"),
    "within_window": ("analysis.weeks", "within_window"),
    "range_exclusions": ("analysis.weeks", "range_exclusions"),
    "periods_from_files": ("analysis.weeks", "periods_from_files"),
    "read": ("analysis.sources.load", "read"),
    "load": ("analysis.sources.load", "load"),
    "source_summary": ("analysis.sources.quality", "source_summary"),
    "rejected_reasons": ("analysis.sources.quality", "rejected_reasons"),
    "derived_summary": ("analysis.sources.quality", "derived_summary"),
    "cross_checks": ("analysis.sources.quality", "cross_checks"),
    "cross_summary": ("analysis.sources.quality", "cross_summary"),
    "QUALITY_CHECKS": ("analysis.sources.quality", "CHECKS"),
    "QUALITY_FILE_COLUMNS": ("analysis.sources.quality", "FILE_COLUMNS"),
    "read_shop": ("analysis.sources.shop_file", "read_shop"),
    "apply_shop": ("analysis.sources.shop_apply", "apply_shop"),
    "shop_applied": ("analysis.sources.shop_apply", "shop_applied"),
    "shop_template": ("analysis.sources.shop_template", "shop_template"),
    "write_shop_template": ("analysis.sources.shop_template", "write_shop_template"),
    "simulate": ("analysis.sample.simulate", "simulate"),
    "simulate_switchback": ("analysis.sample.switchback", "simulate_switchback"),
    "read_truth": ("analysis.sample.truth", "read_truth"),
    "with_truth": ("analysis.sample.truth", "with_truth"),
    "write_exports": ("analysis.sample.exports", "write_exports"),
    "rates": ("analysis.stats.rates", "rates"),
    "compare": ("analysis.stats.compare", "compare"),
    "glm": ("analysis.stats.models", "glm"),
    "effects": ("analysis.stats.models", "effects"),
    "coef_table": ("analysis.stats.models", "coef_table"),
    "contrast_table": ("analysis.stats.models", "contrast_table"),
    "mixed_glm": ("analysis.stats.mixed", "mixed_glm"),
    "planted_odds_ratios": ("analysis.stats.models", "planted_odds_ratios"),
    "balance": ("analysis.stats.balance", "balance"),
    "shrink": ("analysis.stats.shrinkage", "shrink"),
    "adjust_pvalues": ("analysis.stats.multiple", "adjust_pvalues"),
    "evalue": ("analysis.stats.evalue", "evalue"),
    "sample_size": ("analysis.stats.planning", "sample_size"),
    "mde": ("analysis.stats.planning", "mde"),
    "design_effect": ("analysis.stats.planning", "design_effect"),
    "switchback_schedule": ("analysis.stats.switchback", "switchback_schedule"),
    "analyse_switchback": ("analysis.stats.switchback_analysis", "analyse_switchback"),
    "plan_switchback": ("analysis.stats.switchback_plan", "plan_switchback"),
    "read_schedule": ("analysis.stats.switchback_files", "read_schedule"),
    "open_experiment": ("analysis.analyses.experiment", "open_experiment"),
    "planned_experiment": ("analysis.analyses.experiment", "planned"),
    "experiment_design": ("analysis.analyses.experiment", "experiment_design"),
    "experiment_results": ("analysis.analyses.experiment", "experiment_results"),
    "extension_needed": ("analysis.analyses.experiment", "extension_needed"),
    "verdict": ("analysis.analyses.experiment", "verdict"),
    "verdict_sentences": ("analysis.present.experiment", "verdict_sentences"),
    "experiment_table": ("analysis.present.experiment", "experiment_table"),
    "lift_summary": ("analysis.analyses.lift", "lift_summary"),
    "estimate_key": ("analysis.analyses.lift", "estimate_key"),
    "lift_sensitivity": ("analysis.analyses.sensitivity", "lift_sensitivity"),
    "evalue_reading": ("analysis.present.readings", "evalue_reading"),
    "crosscheck_reading": ("analysis.present.readings", "crosscheck_reading"),
    "hour_model": ("analysis.analyses.hour_model", "hour_model"),
    "hour_profile": ("analysis.analyses.hour_model", "hour_profile"),
    "peak_hour": ("analysis.analyses.hour_peak", "peak_hour"),
    "hour_interaction_test": ("analysis.analyses.hour_tests", "hour_interaction_test"),
    "harmonic_test": ("analysis.analyses.hour_tests", "harmonic_test"),
    "hour_contrasts": ("analysis.analyses.hour_slots", "hour_contrasts"),
    "best_slots": ("analysis.analyses.hour_slots", "best_slots"),
    "mcb": ("analysis.stats.selection", "mcb"),
    "MCB_COLUMNS": ("analysis.stats.selection", "MCB_COLUMNS"),
    "best_of": ("analysis.analyses.best", "best_of"),
    "best_hour": ("analysis.analyses.best", "best_hour"),
    "best_creator": ("analysis.analyses.best", "best_creator"),
    "best_segment": ("analysis.analyses.best", "best_segment"),
    "top_movers": ("analysis.analyses.best", "top_movers"),
    "selection_claim": ("analysis.analyses.best", "claim"),
    "BEST_COLUMNS": ("analysis.analyses.best", "BEST_COLUMNS"),
    "live_promo_interaction": ("analysis.analyses.promo_interaction", "live_promo_interaction"),
    "INTERACTION_COLUMNS": ("analysis.analyses.promo_interaction", "INTERACTION_COLUMNS"),
    "selection_sentence": ("analysis.present.claims", "selection_sentence"),
    "interaction_sentences": ("analysis.present.claims", "interaction_sentences"),
    "planted_hour_curve": ("analysis.analyses.hour_model", "planted_hour_curve"),
    "audience_coverage": ("analysis.analyses.audience", "audience_coverage"),
    "segment_tables": ("analysis.analyses.audience", "segment_tables"),
    "segment_effects": ("analysis.analyses.audience", "segment_effects"),
    "segment_heterogeneity": ("analysis.analyses.audience", "segment_heterogeneity"),
    "shrunk_lifts": ("analysis.analyses.segment_lifts", "shrunk_lifts"),
    "planted_effects": ("analysis.analyses.audience", "planted_effects"),
    "intervention": ("analysis.analyses.intervention", "intervention"),
    "intervention_series": ("analysis.analyses.intervention_series", "intervention_series"),
    "placebo_dates": ("analysis.analyses.intervention_checks", "placebo_dates"),
    "pretrend": ("analysis.analyses.intervention_checks", "pretrend"),
    "halo": ("analysis.analyses.halo", "halo"),
    "halo_decay": ("analysis.analyses.halo_decay", "halo_decay"),
    "live_sessions": ("analysis.analyses.live_events", "live_sessions"),
    "event_times": ("analysis.analyses.live_events", "event_times"),
    "planted_windows": ("analysis.analyses.halo", "planted_windows"),
    "fatigue": ("analysis.analyses.fatigue", "fatigue"),
    "fatigue_curve": ("analysis.analyses.fatigue", "fatigue_curve"),
    "promo_trend": ("analysis.analyses.durable", "promo_trend"),
    "week_change": ("analysis.analyses.durable", "week_change"),
    "anomalies": ("analysis.analyses.anomalies", "anomalies"),
    "planted_anomalies": ("analysis.analyses.anomalies", "planted_anomalies"),
    "weekly_facts": ("analysis.analyses.weekly", "weekly_facts"),
    "parse_interventions": ("analysis.analyses.weekly", "parse_interventions"),
    "selfcheck": ("analysis.analyses.selfcheck", "selfcheck"),
    "headline": ("analysis.analyses.headline", "headline"),
    "headline_change": ("analysis.analyses.week_change", "headline_change"),
    "answerable": ("analysis.analyses.answerable", "answerable"),
    "one_unit": ("analysis.analyses.answerable", "one_unit"),
    "model_terms": ("analysis.analyses.answerable", "model_terms"),
    "PAGE_QUESTIONS": ("analysis.analyses.answerable", "PAGE_QUESTIONS"),
    "PAGE_WINDOWS": ("analysis.analyses.answerable", "PAGE_WINDOWS"),
    "QUESTIONS": ("analysis.vocabulary", "QUESTIONS"),
    "live_rates": ("analysis.analyses.live_only", "live_rates"),
    "live_effect_crosscheck": ("analysis.analyses.crosscheck", "live_effect_crosscheck"),
    "answer_notes": ("analysis.present.answers", "answer_notes"),
    "warning_sentences": ("analysis.present.answers", "warning_sentences"),
    "period_notes": ("analysis.present.answers", "period_notes"),
    "window_note": ("analysis.present.answers", "window_note"),
    "drawable": ("analysis.present.answers", "drawable"),
    "read_once": ("analysis.report.cache", "read_once"),
    "read_weekly": ("analysis.report.cache", "read_weekly"),
    "SHOWN": ("analysis.present.shown", "SHOWN"),
    "LOG_ODDS": ("analysis.present.shown", "LOG_ODDS"),
    "table": ("analysis.present.display", "table"),
    "privacy_notes": ("analysis.present.privacy_note", "privacy_notes"),
    "pseudonymise": ("analysis.present.privacy", "pseudonymise"),
    "creator_name": ("analysis.present.privacy", "creator_name"),
    "pseudonymise_interventions": ("analysis.present.privacy", "pseudonymise_interventions"),
    "mask": ("analysis.present.privacy", "mask"),
    "compare_table": ("analysis.present.display", "compare_table"),
    "localize_axis": ("analysis.present.display", "localize_axis"),
    "t": ("analysis.present.i18n", "t"),
    "column_label": ("analysis.present.i18n", "column_label"),
    "method_text": ("analysis.present.words", "method_text"),
    "status_text": ("analysis.present.i18n", "status_text"),
    "format_date": ("analysis.present.i18n", "format_date"),
    "format_integer": ("analysis.present.i18n", "format_integer"),
    "format_number": ("analysis.present.i18n", "format_number"),
    "format_percent": ("analysis.present.i18n", "format_percent"),
    "format_money": ("analysis.present.i18n", "format_money"),
    "sentences": ("analysis.present.summary", "sentences"),
    "shop_sentence": ("analysis.present.shop_note", "shop_sentence"),
    "interval_plot": ("analysis.present.plots", "interval_plot"),
    "lift_plot": ("analysis.present.plots", "lift_plot"),
    "funnel_plot": ("analysis.present.plots", "funnel_plot"),
    "hour_profile_plot": ("analysis.present.plots", "hour_profile_plot"),
    "series_plot": ("analysis.present.time_plots", "series_plot"),
    "event_time_plot": ("analysis.present.time_plots", "event_time_plot"),
    "decay_plot": ("analysis.present.time_plots", "decay_plot"),
    "anomaly_plot": ("analysis.present.time_plots", "anomaly_plot"),
    "headline_kpis": ("analysis.present.headline", "headline_kpis"),
    "week_change_rows": ("analysis.present.week_change", "week_change_rows"),
    "run_report": ("analysis.report.run", "run_report"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module, attr = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
