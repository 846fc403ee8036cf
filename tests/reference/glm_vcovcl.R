# Golden values for tests/test_models.py and tests/test_compare_adjusted.py (cartlift issue 4).
# Run from this folder:  Rscript glm_vcovcl.R > glm_vcovcl.Rout
# Needs R >= 4.2 with sandwich (Debian: r-base-core r-cran-sandwich). Not run in CI.
suppressPackageStartupMessages(library(sandwich))
options(digits = 12)
cat(R.version.string, "; sandwich", as.character(packageVersion("sandwich")), "\n")

d <- read.csv("glm_fixture.csv", stringsAsFactors = FALSE)
d$band <- factor(d$band, levels = c("afternoon", "evening", "night"))  # patsy: sorted levels
ctl <- glm.control(epsilon = 1e-14, maxit = 100)  # converge fully (default 1e-8 differs at 1e-6)
fit <- glm(cbind(atc, viewers - atc) ~ live + band, family = binomial, data = d, control = ctl)

cat("\n## binomial GLM, cbind(atc, viewers - atc) ~ live + band\n")
cat("coef", format(coef(fit), digits = 12), "\n")
cat("se_model", format(sqrt(diag(vcov(fit))), digits = 12), "\n")
# CR1 as statsmodels cov_type='cluster': G/(G-1) * (N-1)/(N-k)
v_hc1 <- vcovCL(fit, cluster = ~cluster, type = "HC1", cadjust = TRUE)
cat("se_vcovCL_HC1", format(sqrt(diag(v_hc1)), digits = 12), "\n")
v_hc0 <- vcovCL(fit, cluster = ~cluster, type = "HC0", cadjust = TRUE)
cat("se_vcovCL_HC0", format(sqrt(diag(v_hc0)), digits = 12), "\n")
G <- length(unique(d$cluster))
b <- coef(fit)["live"]; s <- sqrt(v_hc1["live", "live"])
cat("G", G, "\n")
cat("live_t_ci", format(b + c(-1, 1) * qt(0.975, G - 1) * s, digits = 12), "\n")
cat("live_t_p", format(2 * pt(-abs(b / s), G - 1), digits = 12), "\n")

# quasi-binomial (Pearson scale), the correct dispersion the statsmodels two-column X2 trap misses
qfit <- glm(cbind(atc, viewers - atc) ~ live + band, family = quasibinomial, data = d,
            control = ctl)
cat("quasi_dispersion", format(summary(qfit)$dispersion, digits = 12), "\n")
cat("quasi_se", format(sqrt(diag(vcov(qfit))), digits = 12), "\n")

# marginal standardisation over all rows (weights = viewers): rates with live = 1 / 0
nd1 <- transform(d, live = 1); nd0 <- transform(d, live = 0)
r1 <- weighted.mean(predict(fit, nd1, type = "response"), d$viewers)
r0 <- weighted.mean(predict(fit, nd0, type = "response"), d$viewers)
cat("std_rate_live", format(r1, digits = 12), "std_rate_nonlive", format(r0, digits = 12),
    "std_ratio", format(r1 / r0, digits = 12), "\n")
# delta-method SE of log ratio with the HC1 cluster covariance
X1 <- model.matrix(~ live + band, nd1); X0 <- model.matrix(~ live + band, nd0)
p1 <- plogis(X1 %*% coef(fit)); p0 <- plogis(X0 %*% coef(fit)); w <- d$viewers / sum(d$viewers)
g1 <- colSums(as.vector(w * p1 * (1 - p1)) * X1); g0 <- colSums(as.vector(w * p0 * (1 - p0)) * X0)
g <- g1 / r1 - g0 / r0
cat("std_log_ratio_se", format(sqrt(t(g) %*% v_hc1 %*% g), digits = 12), "\n")

cat("\n## single proportions: Wilson = prop.test(correct = FALSE), Wilson-cc = correct = TRUE\n")
for (t in list(c(81, 263), c(15, 148), c(1, 29), c(9, 200))) {
  w0 <- prop.test(t[1], t[2], correct = FALSE)$conf.int
  w1 <- prop.test(t[1], t[2], correct = TRUE)$conf.int
  cat(sprintf("%d/%d wilson %.10f %.10f wilson_cc %.10f %.10f\n", t[1], t[2], w0[1], w0[2], w1[1], w1[2]))
}

cat("\n## Newcombe hybrid score difference (method 10) from Wilson limits\n")
newcombe <- function(xa, na, xb, nb) {
  pa <- xa / na; pb <- xb / nb
  a <- prop.test(xa, na, correct = FALSE)$conf.int; b <- prop.test(xb, nb, correct = FALSE)$conf.int
  c(pa - pb - sqrt((pa - a[1])^2 + (b[2] - pb)^2), pa - pb + sqrt((a[2] - pa)^2 + (pb - b[1])^2))
}
for (t in list(c(56, 70, 48, 80), c(7, 34, 1, 34), c(90, 1000, 40, 1000))) {
  r <- newcombe(t[1], t[2], t[3], t[4])
  cat(sprintf("%d/%d - %d/%d newcombe %.10f %.10f\n", t[1], t[2], t[3], t[4], r[1], r[2]))
}

cat("\n## Koopman score interval for the ratio (as PropCIs::riskscoreci), by uniroot\n")
koopman_z <- function(R, x1, n1, x2, n2) {
  N <- n1 + n2; a <- N * R; b <- -(R * (n1 + x2) + x1 + n2); c <- x1 + x2
  p2 <- (-b - sqrt(b^2 - 4 * a * c)) / (2 * a); p1 <- R * p2
  (x1 / n1 - R * x2 / n2) / sqrt(p1 * (1 - p1) / n1 + R^2 * p2 * (1 - p2) / n2)
}
koopman <- function(x1, n1, x2, n2, z = qnorm(0.975)) {
  f <- function(lr, target) koopman_z(exp(lr), x1, n1, x2, n2) - target
  lo <- uniroot(f, c(-20, log(x1 / n1 / (x2 / n2))), target = z, tol = 1e-14)$root
  hi <- uniroot(f, c(log(x1 / n1 / (x2 / n2)), 20), target = -z, tol = 1e-14)$root
  exp(c(lo, hi))
}
for (t in list(c(7, 34, 1, 34), c(90, 1000, 40, 1000), c(30, 400, 150, 5000))) {
  r <- koopman(t[1], t[2], t[3], t[4])
  cat(sprintf("%d/%d vs %d/%d koopman %.10f %.10f\n", t[1], t[2], t[3], t[4], r[1], r[2]))
}
