# Reference values for tests/test_rates.py and tests/test_compare.py, computed with R.
#
# Not run in CI: there is no R on the build machines. The pinned numbers come from the
# published tables (see README.md in this folder). This script is here so anyone with R
# can re-derive them independently. Run it with:
#   Rscript tests/reference/rates_reference.R
# Packages: install.packages(c("PropCIs", "binom", "DescTools", "Epi"))

suppressPackageStartupMessages({
  library(PropCIs)
  library(binom)
  library(DescTools)
  library(Epi)
})

conf <- 0.95
r4 <- function(x) round(unlist(x), 4)

cat("== Single proportions: Newcombe (1998a) Stat Med 17:857, Table I ==\n")
# expected (Table I):   Wilson           Clopper-Pearson
#   81/263             0.2553 0.3662     0.2527 0.3676
#   15/148             0.0624 0.1605     0.0578 0.1617
#    0/20              0.0000 0.1611     0.0000 0.1684
#    1/29              0.0061 0.1718     0.0009 0.1776
single <- data.frame(x = c(81, 15, 0, 1), n = c(263, 148, 20, 29))
for (i in seq_len(nrow(single))) {
  x <- single$x[i]; n <- single$n[i]
  cat(sprintf("%3d/%-3d wilson %s | exact %s\n", x, n,
              paste(r4(scoreci(x, n, conf)$conf.int), collapse = " "),    # PropCIs Wilson
              paste(r4(exactci(x, n, conf)$conf.int), collapse = " ")))   # PropCIs Clopper-Pearson
  print(binom.confint(x, n, conf.level = conf, methods = c("wilson", "exact")))
  print(BinomCI(x, n, conf.level = conf, method = c("wilson", "clopper-pearson", "jeffreys")))
}

cat("\n== Differences: Newcombe (1998b) Stat Med 17:873, Table II, method 10 ==\n")
# DescTools::BinomDiffCI(method = "score") is Newcombe's hybrid score (method 10);
# "scorecc" is method 11 and "mn" is Miettinen-Nurminen.
# expected (method 10):
#   (a) 56/70 - 48/80   0.0524  0.3339
#   (b)  9/10 -  3/10   0.1705  0.8090
#   (c)  6/7  -  2/7    not pinned: see README.md (method-10 formula gives 0.0582 0.8062)
#   (d)  5/56 -  0/29  -0.0381  0.1926
#   (e)  0/10 -  0/20  -0.1611  0.2775
#   (f)  0/10 -  0/10  -0.2775  0.2775
#   (g) 10/10 -  0/20   0.6791  1.0000
#   (h) 10/10 -  0/10   0.6075  1.0000
diffs <- data.frame(x1 = c(56, 9, 6, 5, 0, 0, 10, 10), n1 = c(70, 10, 7, 56, 10, 10, 10, 10),
                    x2 = c(48, 3, 2, 0, 0, 0, 0, 0), n2 = c(80, 10, 7, 29, 20, 10, 20, 10))
for (i in seq_len(nrow(diffs))) {
  d <- diffs[i, ]
  nc <- BinomDiffCI(d$x1, d$n1, d$x2, d$n2, conf.level = conf, method = "score")
  mn <- BinomDiffCI(d$x1, d$n1, d$x2, d$n2, conf.level = conf, method = "mn")
  # Epi::ci.pd(aa, bb, cc, dd): successes 1, successes 2, failures 1, failures 2
  ep <- ci.pd(d$x1, d$x2, d$n1 - d$x1, d$n2 - d$x2, method = "Nc", print = FALSE)
  cat(sprintf("%2d/%-2d - %2d/%-2d  newcombe %s | Epi Nc %s | MN %s\n", d$x1, d$n1, d$x2, d$n2,
              paste(r4(nc[1, c("lwr.ci", "upr.ci")]), collapse = " "),
              paste(r4(ep[1, 2:3]), collapse = " "),
              paste(r4(mn[1, c("lwr.ci", "upr.ci")]), collapse = " ")))
}

cat("\n== Fagerland, Lydersen & Laake (2015), 7/34 vs 1/34 ==\n")
# expected (Fagerland 2015, as pinned in statsmodels test_confint_2indep):
#   Newcombe hybrid score difference   0.019 0.34
#   adjusted log ratio                 0.92  27
print(BinomDiffCI(7, 34, 1, 34, conf.level = conf, method = "score"))
# DescTools "adj.log" should add 0.5 to the counts and the sizes as Fagerland et al. do
# (check its help page if this differs); the formula is written out as well:
print(BinomRatioCI(7, 34, 1, 34, conf.level = conf, method = "adj.log"))
adj_log <- function(x1, n1, x2, n2, conf = 0.95) {
  a1 <- x1 + 0.5; m1 <- n1 + 0.5; a2 <- x2 + 0.5; m2 <- n2 + 0.5
  phi <- (a1 / m1) / (a2 / m2)
  s <- sqrt(1 / a1 - 1 / m1 + 1 / a2 - 1 / m2)
  z <- qnorm(1 - (1 - conf) / 2)
  c(ratio = phi, lower = phi * exp(-z * s), upper = phi * exp(z * s),
    p = 2 * pnorm(-abs(log(phi) / s)))          # the dual p-value used by compare()
}
print(round(adj_log(7, 34, 1, 34), 4))          # p = 0.0617
print(diffscoreci(7, 34, 1, 34, conf))           # Miettinen-Nurminen: 0.0270416 0.3452912
print(riskscoreci(7, 34, 1, 34, conf))           # Koopman score ratio: 1.220853 42.575718

cat("\n== aov: ratio of sums with the delta method (tiny examples of the tests) ==\n")
delta_ratio <- function(y, x, conf = 0.95) {
  k <- length(y); R <- sum(y) / sum(x)
  v <- k / (k - 1) * sum((y - R * x)^2) / sum(x)^2
  z <- qnorm(1 - (1 - conf) / 2)
  c(R = R, var = v, lower = R - z * sqrt(v), upper = R + z * sqrt(v))
}
print(delta_ratio(c(100, 30, 90), c(2, 1, 3)))  # var = 1300/27
print(delta_ratio(c(100, 30), c(2, 1)))         # live side of test_aov_contrast_by_hand: 6400/81
print(delta_ratio(c(90, 50, 20), c(3, 1, 1)))   # non-live side: 756/25
