# Golden values for tests/stats/test_planning.py (analysis.stats.icc, analysis.stats.cluster_power).
# Rscript tests/reference/planning_reference.R > tests/reference/planning_reference.Rout
# R 4.x, stats + clubSandwich. Each block prints "name value" lines the test reads.
options(digits = 15)
library(clubSandwich)

# 1. Noncentral-t power of a two-sided two-sample t test (noncentral_t_power): power.t.test with
#    strict = TRUE uses both tails; ncp = delta / (sd * sqrt(2 / n)), df = 2 (n - 1).
for (a in list(c(10, 0.5), c(25, 0.8), c(4, 2.0))) {
  pw <- power.t.test(n = a[1], delta = a[2], sd = 1, sig.level = 0.05, strict = TRUE)$power
  cat("power_t", a[1], a[2], format(pw, digits = 15), "\n")
}

# 2. ANOVA ICC of a binary outcome and its F-based interval (Searle 1971; Donner & Wells 1986),
#    from the 0/1 outcomes of every viewer (aov), not from the cluster-total shortcut.
fx <- read.csv("tests/reference/planning_icc_fixture.csv")
y <- unlist(mapply(function(x, n) c(rep(1, x), rep(0, n - x)), fx$x, fx$n))
g <- factor(rep(seq_len(nrow(fx)), fx$n))
tab <- summary(aov(y ~ g))[[1]]
msb <- tab[1, "Mean Sq"]; msw <- tab[2, "Mean Sq"]
k <- nrow(fx); N <- sum(fx$n)
n0 <- (N - sum(fx$n^2) / N) / (k - 1)
icc <- (msb - msw) / (msb + (n0 - 1) * msw)
F <- msb / msw
fl <- F / qf(0.975, k - 1, N - k); fu <- F / qf(0.025, k - 1, N - k)
cat("icc", format(icc, digits = 15), "\n")
cat("icc_ci_low", format((fl - 1) / (fl + n0 - 1), digits = 15), "\n")
cat("icc_ci_high", format((fu - 1) / (fu + n0 - 1), digits = 15), "\n")
cat("n0", format(n0, digits = 15), "\n")

# 3. Bell-McCaffrey df of the planned difference test (planned_df): 5 LIVEs per arm at the sizes
#    live_sizes(5, 800, 0.8) prints, rates 4% and 7%; weighted lm with working weights n / phi,
#    CR2 by LIVE with the inverse-variance working model (inverse_var = TRUE: the SPEC13 per-side
#    closed form; this clubSandwich would otherwise infer FALSE), Satterthwaite df of the
#    difference contrast (-1, 1) of the side means.
sizes <- c(171.54676816543824, 407.04228220384107, 667.7473860409509, 1024.2419993552396,
           1729.42156423453)
p0 <- 0.04; p1 <- 0.07
d <- data.frame(side = factor(rep(c("c", "t"), each = 5)), n = rep(sizes, 2))
d$phi <- ifelse(d$side == "c", p0 * (1 - p0), p1 * (1 - p1))
set.seed(1); d$y <- rnorm(10)  # the df does not depend on the outcome
# linear_contrast of this clubSandwich fails on a one-row matrix: reparametrise so that the
# first coefficient is the contrast (X A^-1, A = rbind(contrast, c(0, 1))) and use coef_test.
X <- model.matrix(~ 0 + side, d)
A <- rbind(c(-1, 1), c(0, 1))
Z <- X %*% solve(A)
fit <- lm(d$y ~ 0 + Z, weights = d$n / d$phi)
V <- vcovCR(fit, cluster = seq_len(10), type = "CR2", inverse_var = TRUE)
lc <- coef_test(fit, vcov = V, test = "Satterthwaite")[1, ]
cat("planned_df", format(lc$df_Satt, digits = 15), "\n")

# 4. Eldridge, Ashby & Kerry (2006) design effect 1 + ((cv^2 + 1) m - 1) rho, worked example:
#    m = 20, cv = 0.6, rho = 0.05.
cat("eldridge", format(1 + ((0.6^2 + 1) * 20 - 1) * 0.05, digits = 15), "\n")

# 5. One replicate of the CR2 / Bell-McCaffrey difference test (power_simulation.difference_pvalues,
#    the primary pvalue of compare): 5 + 5 LIVEs, successes x of n viewers; working weights
#    n / (p_s (1 - p_s)) at the estimated side rates; contrast (-1, 1) of the side means.
x <- c(3, 11, 25, 40, 66, 9, 30, 41, 80, 150)
n <- c(171, 407, 668, 1024, 1729, 171, 407, 668, 1024, 1729)
side <- factor(rep(c("c", "t"), each = 5))
ps <- tapply(x, side, sum) / tapply(n, side, sum)
d <- data.frame(side = side, n = n, y = x / n, phi = (ps * (1 - ps))[side])
X <- model.matrix(~ 0 + side, d)
A <- rbind(c(-1, 1), c(0, 1))
Z <- X %*% solve(A)
fit <- lm(d$y ~ 0 + Z, weights = d$n / d$phi)
ct <- coef_test(fit, vcov = vcovCR(fit, cluster = seq_len(10), type = "CR2", inverse_var = TRUE),
                test = "Satterthwaite")[1, ]
t <- (ps[["t"]] - ps[["c"]]) / ct$SE
cat("dt_t", format(t, digits = 15), "\n")
cat("dt_df", format(ct$df_Satt, digits = 15), "\n")
cat("dt_p", format(2 * pt(-abs(t), ct$df_Satt), digits = 15), "\n")
