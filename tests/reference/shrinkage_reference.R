# Reference values for tests/test_shrinkage.py: empirical-Bayes beta-binomial shrinkage (ebbr)
# and FunnelPlotR's proportions funnel with DerSimonian-Laird overdispersion, in base R only
# (VGAM, ebbr and FunnelPlotR are not packaged for Debian; their methods are transcribed below).
#
# Run from the project root:
#   Rscript tests/reference/shrinkage_reference.R > tests/reference/shrinkage_reference.out
# The printed output is committed beside this script; the tests pin its numbers.
# Fixture: tests/reference/shrinkage_fixture.csv (15 groups, seeded, written once by hand).

d <- read.csv("tests/reference/shrinkage_fixture.csv")
x <- d$successes
n <- d$trials
options(digits = 12)

cat("R:", R.version.string, "\n\n")

## ---- 1. Empirical Bayes (ebbr::ebb_fit_prior(method = "mle") + add_ebb_estimate) ----------
# Negative log-likelihood of the beta-binomial, as VGAM::dbetabinom.ab(log = TRUE) summed,
# without the choose(n, x) constant (it does not depend on alpha, beta).
nll <- function(par) {
  a <- exp(par[1]); b <- exp(par[2])
  -sum(lbeta(x + a, n - x + b) - lbeta(a, b))
}
# analytic gradient (digamma), so BFGS stops at the optimum and not on the flat ridge
grad <- function(par) {
  a <- exp(par[1]); b <- exp(par[2])
  common <- digamma(a + b) - digamma(n + a + b)
  -c(a * sum(digamma(x + a) - digamma(a) + common),
     b * sum(digamma(n - x + b) - digamma(b) + common))
}
# two starting points and two optimisers that must agree
mu <- sum(x) / sum(n)
fit1 <- optim(log(c(mu * 20, (1 - mu) * 20)), nll, grad, method = "BFGS",
              control = list(reltol = 1e-16, maxit = 10000))
fit2 <- optim(log(c(1, 10)), nll, method = "Nelder-Mead",
              control = list(reltol = 1e-15, maxit = 20000))
fit2 <- optim(fit2$par, nll, grad, method = "BFGS", control = list(reltol = 1e-16, maxit = 10000))
stopifnot(fit1$convergence == 0, fit2$convergence == 0)
alpha0 <- exp(fit1$par[1]); beta0 <- exp(fit1$par[2])
cat("== EB prior (beta-binomial MLE, optim BFGS on log alpha, log beta) ==\n")
cat(sprintf("alpha0 %.10f beta0 %.10f  (second start: %.10f %.10f)\n",
            alpha0, beta0, exp(fit2$par[1]), exp(fit2$par[2])))
cat(sprintf("negloglik %.10f  gradient %.2e %.2e\n", fit1$value, grad(fit1$par)[1],
            grad(fit1$par)[2]))

alpha1 <- alpha0 + x
beta1 <- beta0 + n - x
eb <- data.frame(group = d$group, x = x, n = n,
                 raw = x / n,
                 fitted = alpha1 / (alpha1 + beta1),
                 low = qbeta(0.025, alpha1, beta1),
                 high = qbeta(0.975, alpha1, beta1),
                 low90 = qbeta(0.05, alpha1, beta1),
                 high90 = qbeta(0.95, alpha1, beta1))
cat("\n== EB posterior per group (credible level 0.95; 0.90 in low90/high90) ==\n")
print(format(eb, digits = 10), row.names = FALSE)

## ---- 2. FunnelPlotR, data_type = "PR", OD_adjust = TRUE, trim_by = 0.1 ---------------------
# transformed_zscore(): arcsine transformation, target = pooled proportion
target <- sum(x) / sum(n)
target_t <- asin(sqrt(target))
Y <- asin(sqrt(x / n))
s <- 1 / (2 * sqrt(n))
Uz <- (Y - target_t) / s
# winsorisation(): clamp at the 10% and 90% quantiles (type 7)
lz <- quantile(Uz, 0.1)
uz <- quantile(Uz, 0.9)
Wz <- ifelse(Uz < lz, lz, ifelse(Uz > uz, uz, Uz))
# phi_func(), tau_func()
k <- length(Wz)
phi <- sum(Wz^2) / k
w <- 1 / s^2
tau2 <- if (k * phi < k - 1) 0 else max(0, (k * phi - (k - 1)) / (sum(w) - sum(w^2) / sum(w)))
cat("\n== Funnel (FunnelPlotR PR method) ==\n")
cat(sprintf("target %.12f\nwinsor limits %.10f %.10f\nphi %.10f\ntau2 %.12f\n",
            target, lz, uz, phi, tau2))
# calculate_limits(): sin(asin(sqrt(target)) -+ q * sqrt(s^2 + tau2))^2 at each group's n
lim <- function(q) {
  sd <- sqrt(s^2 + tau2)
  cbind(sin(pmax(target_t - q * sd, 0))^2, sin(pmin(target_t + q * sd, pi / 2))^2)
}
l95 <- lim(qnorm(0.975))
l998 <- lim(qnorm(0.999))
zadj <- (Y - target_t) / sqrt(s^2 + tau2)
flag <- ifelse(zadj > qnorm(0.975), "above", ifelse(zadj < -qnorm(0.975), "below", "inside"))
fun <- data.frame(group = d$group, rate = x / n, z_unadj = Uz, z_wins = Wz, z_adj = zadj,
                  lower95 = l95[, 1], upper95 = l95[, 2],
                  lower998 = l998[, 1], upper998 = l998[, 2], flag95 = flag)
print(format(fun, digits = 10), row.names = FALSE)
cat("\nLimits at n = 40, 1000, 10000 (95%, overdispersed):\n")
for (m in c(40, 1000, 10000)) {
  sd <- sqrt(1 / (4 * m) + tau2)
  cat(sprintf("n %5d  %.10f %.10f\n", m, sin(max(target_t - qnorm(0.975) * sd, 0))^2,
              sin(min(target_t + qnorm(0.975) * sd, pi / 2))^2))
}
