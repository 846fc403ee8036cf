# Golden values for tests/stats/test_cr2.py (cartlift issue 13): CR2 + Satterthwaite df, R clubSandwich.
# Run from this folder:  Rscript glm_cr2.R > glm_cr2.Rout
# Needs R >= 4.2 with clubSandwich (Debian: r-cran-clubsandwich). Same fixture as glm_vcovcl.R.
suppressPackageStartupMessages(library(clubSandwich))
options(digits = 12)
cat(R.version.string, "; clubSandwich", as.character(packageVersion("clubSandwich")), "\n")

d <- read.csv("glm_fixture.csv", stringsAsFactors = FALSE)
d$band <- factor(d$band, levels = c("afternoon", "evening", "night"))  # patsy: sorted levels
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
show <- function(tag, v, ct) {
  cat(tag, "coef", format(ct$beta, digits = 12), "\n")
  cat(tag, "se", format(sqrt(diag(v)), digits = 12), "\n")
  cat(tag, "vcov", format(as.vector(v), digits = 12), "\n")
  cat(tag, "df", format(ct$df_Satt, digits = 12), "\n")
  cat(tag, "p", format(ct$p_Satt, digits = 12), "\n")
}
# contrast: live + band[night] (a linear combination), and band[evening] - band[night]
L <- rbind(c(0, 1, 0, 1), c(0, 0, 1, -1))

cat("\n## binomial GLM on aggregated counts, cbind(atc, viewers - atc) ~ live + band\n")
fit <- glm(cbind(atc, viewers - atc) ~ live + band, family = binomial, data = d, control = ctl)
v <- vcovCR(fit, cluster = d$cluster, type = "CR2")
show("glm", v, coef_test(fit, vcov = v, test = "Satterthwaite"))
lc <- linear_contrast(fit, vcov = v, contrasts = L, test = "Satterthwaite")
cat("glm contrast_est", format(lc$Est, digits = 12), "\n")
cat("glm contrast_se", format(lc$SE, digits = 12), "\n")
cat("glm contrast_df", format(lc$df, digits = 12), "\n")

cat("\n## weighted linear model of the cell rates, lm(atc / viewers ~ live + band, weights = viewers)\n")
d$rate <- d$atc / d$viewers
lfit <- lm(rate ~ live + band, data = d, weights = viewers)
lv <- vcovCR(lfit, cluster = d$cluster, type = "CR2")
show("lm", lv, coef_test(lfit, vcov = lv, test = "Satterthwaite"))
# (linear_contrast() fails in clubSandwich 0.5.8 for a non-inverse-variance working model:
#  `q` is undefined there; the coefficient tests above cover this case)

cat("\n## the same lm with inverse-variance working model (target = 1 / weights)\n")
iv <- vcovCR(lfit, cluster = d$cluster, type = "CR2", inverse_var = TRUE)
show("lm_iv", iv, coef_test(lfit, vcov = iv, test = "Satterthwaite"))

cat("\n## the GLM under a cluster random-intercept working model (the kit's default since issue 13)\n")
# target of cluster g: diag(mu (1 - mu) / n) + tau2 J (response-residual scale, as targetVariance.glm);
# tau2: method of moments of the between-cluster variance of the viewer-weighted mean residual,
# mean over clusters of (rbar_g^2 - sum(n^2 theta) / N_g^2), truncated at 0 (analysis/stats/cr2.py glm_tau2)
mu <- fitted(fit)
theta <- mu * (1 - mu) / d$viewers
r <- d$atc / d$viewers - mu
cl <- factor(d$cluster)
Ng <- tapply(d$viewers, cl, sum)
rbar <- tapply(d$viewers * r, cl, sum) / Ng
vw <- tapply(d$viewers^2 * theta, cl, sum) / Ng^2
tau2 <- max(0, mean(rbar^2 - vw))
cat("glm_re tau2", format(tau2, digits = 12), "\n")
target <- lapply(split(theta, cl), function(t) diag(t, nrow = length(t)) + tau2)
vt <- vcovCR(fit, cluster = cl, type = "CR2", target = target)
show("glm_re", vt, coef_test(fit, vcov = vt, test = "Satterthwaite"))
# (linear_contrast() fails in clubSandwich 0.5.8 with a list target, as for the lm above; the
#  coefficient tests cover the contrast code, which is the same in the kit)
