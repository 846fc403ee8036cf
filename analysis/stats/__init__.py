"""Statistics on funnel counts: intervals, comparisons, models, shrinkage, planning.

Pure functions of cells or counts; nothing here reads files or knows about pages. Modules, in
the order they build on each other:

* :mod:`~analysis.stats.statuses` - one status code per result row from its notes;
* :mod:`~analysis.stats.pooling` - ``by`` groups, per-group sums, unit checks, the two groups;
* :mod:`~analysis.stats.intervals` - one-sample binomial and ratio-of-sums intervals;
* :mod:`~analysis.stats.proportions` - two-proportion difference / ratio intervals, p-value;
* :mod:`~analysis.stats.clusters`, :mod:`~analysis.stats.adjusted` - cluster ids, the
  adjusted / clustered ratio kernel;
* :mod:`~analysis.stats.contrast`, :mod:`~analysis.stats.inference` - the viewer-level and the
  clustered / adjusted parts of a comparison;
* :mod:`~analysis.stats.compare` - :func:`compare`; :mod:`~analysis.stats.rates` - :func:`rates`;
* :mod:`~analysis.stats.balance` - covariate mix of two groups;
* :mod:`~analysis.stats.reference`, :mod:`~analysis.stats.glm_data`,
  :mod:`~analysis.stats.standardise`, :mod:`~analysis.stats.models` - binomial GLM and effects;
* :mod:`~analysis.stats.funnel`, :mod:`~analysis.stats.shrinkage` - leaderboards;
* :mod:`~analysis.stats.multiple` - p-value adjustment; :mod:`~analysis.stats.planning` -
  sample size and design effect, on :mod:`~analysis.stats.icc` (ANOVA ICC and its interval),
  :mod:`~analysis.stats.cluster_power` (noncentral-t power of the clustered test) and
  :mod:`~analysis.stats.power_simulation` (its simulated power);
* :mod:`~analysis.stats.randomisation` (assignment mechanisms), :mod:`~analysis.stats.switchback`
  (schedules), :mod:`~analysis.stats.switchback_inference` (Horvitz-Thompson, exact randomisation
  p-value, interval by inversion), :mod:`~analysis.stats.switchback_analysis` and
  :mod:`~analysis.stats.switchback_plan` - switchback experiments.
"""
