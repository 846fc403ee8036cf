# Golden values for tests/stats/test_mantel_haenszel.py (cartlift issue 13).
# Run from this folder:  Rscript mantel_haenszel.R > mantel_haenszel.Rout
# Needs R >= 4.2 (stats::mantelhaen.test) and metafor (Debian r-cran-metafor). Not run in CI.
# Fixture mantel_haenszel_fixture.csv: side a = exposed (x successes of n trials), side b = unexposed.
#   "tolbutamide": Rothman KJ (2012) Epidemiology: An Introduction, 2nd ed., Table 10-3 (UGDP deaths
#   by age, tolbutamide vs placebo; the example of fmsb::RRMH); "sparse": 12 small strata with zero
#   cells, drawn once with numpy default_rng(20261207).
# Three independent computations:
#   1. mantelhaen.test: MH odds ratio and its Robins-Breslow-Greenland (1986) interval;
#   2. metafor::rma.mh(measure = "OR"/"RR"): MH log OR (RBG SE) and log RR (Greenland-Robins 1985 SE);
#   3. the Greenland-Robins formula written out (Greenland & Robins 1985 Biometrics 41:55-68;
#      Rothman, Greenland & Lash 2008 Modern Epidemiology 3rd ed. eq. 15-22):
#      Var(log RR_MH) = sum((na nb (xa + xb) - xa xb N) / N^2) / (sum(xa nb / N) * sum(xb na / N)).
suppressPackageStartupMessages(library(metafor))
options(digits = 15)
cat(R.version.string, "; metafor", as.character(packageVersion("metafor")), "\n")
d <- read.csv("mantel_haenszel_fixture.csv", stringsAsFactors = FALSE)
for (tab in unique(d$table)) {
  s <- d[d$table == tab, ]
  arr <- array(0, c(2, 2, nrow(s)))  # rows: side a, b; columns: success, failure
  for (k in seq_len(nrow(s))) {
    arr[, , k] <- matrix(c(s$xa[k], s$xb[k], s$na[k] - s$xa[k], s$nb[k] - s$xb[k]), 2, 2)
  }
  mh <- mantelhaen.test(arr, correct = FALSE)
  cat("\n## table", tab, "\n")
  cat("mantelhaen_or", format(unname(mh$estimate)), "\n")
  cat("mantelhaen_or_ci95", format(mh$conf.int), "\n")
  mh90 <- mantelhaen.test(arr, correct = FALSE, conf.level = 0.90)
  cat("mantelhaen_or_ci90", format(mh90$conf.int), "\n")
  args <- list(ai = s$xa, bi = s$na - s$xa, ci = s$xb, di = s$nb - s$xb)
  f_or <- do.call(rma.mh, c(args, measure = "OR"))
  f_rr <- do.call(rma.mh, c(args, measure = "RR"))
  cat("metafor_log_or", format(f_or$b[1]), "se", format(f_or$se), "\n")
  cat("metafor_log_rr", format(f_rr$b[1]), "se", format(f_rr$se), "\n")
  N <- s$na + s$nb
  R <- sum(s$xa * s$nb / N); S <- sum(s$xb * s$na / N)
  v <- sum((s$na * s$nb * (s$xa + s$xb) - s$xa * s$xb * N) / N^2) / (R * S)
  cat("formula_rr", format(R / S), "se_log", format(sqrt(v)), "\n")
  cat("formula_rr_ci90", format(R / S * exp(c(-1, 1) * qnorm(0.95) * sqrt(v))), "\n")
  cat("formula_rr_ci95", format(R / S * exp(c(-1, 1) * qnorm(0.975) * sqrt(v))), "\n")
}
