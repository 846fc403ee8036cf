# Golden values for analysis.stats.multiple.adjust_pvalues (tests/test_models.py). Not run in CI.
# Rscript p_adjust.R > p_adjust.Rout
p <- c(0.01, NA, 0.04, 0.03, 0.20)
m <- length(p)  # NA counted in the family size
for (meth in c("BH", "holm", "bonferroni", "BY")) {
  cat(meth, format(p.adjust(p[!is.na(p)], method = meth, n = m), digits = 12), "\n")
}
