# Golden values for tests/stats/test_cr2_sides.py (cartlift issue 13).
# Run from this folder:  Rscript cr2_sides.R > cr2_sides.Rout
# Needs R >= 4.2 with clubSandwich (Debian: r-cran-clubsandwich). Not run in CI.
# The cells are first summed to cluster totals (one row per cluster and side): the pooled rate
# and its residuals are sums over a cluster's cells. Per side: the rate p = sum(x)/sum(n) is the
# intercept of lm(y ~ 1, weights = n), y = x/n; CR2 vcov (vcovCR type "CR2") and Satterthwaite
# df (coef_test). inverse_var = TRUE: the weights are inverse working variances (binomial
# phi/n), the working model "independence" of the weighted model. (clubSandwich's default for a
# weighted lm, inverse_var = FALSE, takes a homoskedastic working model for y instead. On
# cell-level rows with weights varying within a cluster, clubSandwich's adjustment matrix
# D'B^{-1/2}D differs slightly from the whitened (I - H_gg)^{-1/2}; on cluster totals they agree.
# The cell-level values are printed at the end for the record, not pinned.) Contrast c'beta of the two
# sides in lm(y ~ 0 + side, weights = n / phi_side), phi = p(1 - p) of the side: the difference
# c = (1, -1) and the delta-method gradient of the log ratio c = (1/p_a, -1/p_b).
# clubSandwich 0.5.8 linear_contrast(test = "Satterthwaite") fails on a weighted lm (it reads an
# undefined `q`), so the contrast is made a coefficient by reparameterising the same model:
# theta1 = c_a b_a + c_b b_b, theta2 = b_b, columns z1 = d_a / c_a, z2 = d_b - d_a c_b / c_a
# (same column space: same hat matrix, so the same CR2 adjustment and Satterthwaite df). The
# HTZ Wald test of the constraint on the original model is printed as a cross-check: for one
# constraint its denominator df is the Satterthwaite df (Pustejovsky & Tipton 2018).
suppressPackageStartupMessages(library(clubSandwich))
options(digits = 15)
cat("#", R.version.string, "; clubSandwich", as.character(packageVersion("clubSandwich")), "\n")
cells <- read.csv("cr2_sides_fixture.csv", stringsAsFactors = FALSE)
d <- aggregate(cbind(x, n) ~ grp + side + cluster, data = cells, FUN = sum)
d$y <- d$x / d$n
out <- list()
for (g in sort(unique(d$grp))) {
  dg <- d[d$grp == g, ]
  p <- c()
  for (s in c("a", "b")) {
    ds <- dg[dg$side == s, ]
    fit <- lm(y ~ 1, data = ds, weights = n)
    V <- vcovCR(fit, cluster = ds$cluster, type = "CR2", inverse_var = TRUE)
    ct <- coef_test(fit, vcov = V, test = "Satterthwaite")
    p[s] <- unname(coef(fit)[1])
    out[[length(out) + 1]] <- data.frame(grp = g, what = paste0("side_", s), estimate = p[s],
                                         se = ct$SE, df = ct$df_Satt)
  }
  phi <- p * (1 - p)
  dg$w <- dg$n / phi[dg$side]
  dg$da <- as.numeric(dg$side == "a")
  dg$db <- as.numeric(dg$side == "b")
  fit2 <- lm(y ~ 0 + da + db, data = dg, weights = w)
  V2 <- vcovCR(fit2, cluster = dg$cluster, type = "CR2", inverse_var = TRUE)
  for (k in list(list("diff", c(1, -1)), list("logratio", c(1 / p[["a"]], -1 / p[["b"]])))) {
    cc <- k[[2]]
    dg$z1 <- dg$da / cc[1]
    dg$z2 <- dg$db - dg$da * cc[2] / cc[1]
    fit3 <- lm(y ~ 0 + z1 + z2, data = dg, weights = w)
    V3 <- vcovCR(fit3, cluster = dg$cluster, type = "CR2", inverse_var = TRUE)
    ct <- coef_test(fit3, vcov = V3, test = "Satterthwaite")
    wt <- Wald_test(fit2, constraints = matrix(cc, nrow = 1), vcov = V2, test = "HTZ")
    se_direct <- sqrt(drop(t(cc) %*% V2 %*% cc))
    cat("grp", g, k[[1]], "coef_test df", format(ct$df_Satt[1], digits = 15),
        "Wald HTZ df_denom", format(wt$df_denom, digits = 15), "; se", format(ct$SE[1], digits = 15),
        "c'V c", format(se_direct, digits = 15), "\n")
    out[[length(out) + 1]] <- data.frame(grp = g, what = k[[1]], estimate = unname(coef(fit3)[1]),
                                         se = ct$SE[1], df = ct$df_Satt[1])
  }
}
res <- do.call(rbind, out)
write.csv(res, "cr2_sides_golden.csv", row.names = FALSE)
print(res, digits = 15)

cat("\n# cell-level rows (not pinned): side SEs and df\n")
cells$y <- cells$x / cells$n
for (g in sort(unique(cells$grp))) for (s in c("a", "b")) {
  ds <- cells[cells$grp == g & cells$side == s, ]
  fit <- lm(y ~ 1, data = ds, weights = n)
  ct <- coef_test(fit, vcov = vcovCR(fit, cluster = ds$cluster, type = "CR2", inverse_var = TRUE),
                  test = "Satterthwaite")
  cat("grp", g, "side", s, "se", format(ct$SE, digits = 15), "df", format(ct$df_Satt, digits = 15), "\n")
}

# Fieller (1954) ratio interval dual to the difference's t test (compare's ratio_ci_*,
# cr2-bm-fieller): the R >= 0 with |p_a - R p_b| <= qt(0.975, df(R)) * se(R), se(R)^2 = c'V2 c and
# df(R) the Satterthwaite df of the contrast c = (1, -R) (same reparameterisation as above),
# each endpoint by uniroot on its side of R-hat. Written to cr2_sides_fieller_golden.csv.
contrast_t <- function(dg, V2, b, R) {
  cc <- c(1, -R)
  dg$z1 <- dg$da / cc[1]
  dg$z2 <- dg$db - dg$da * cc[2] / cc[1]
  fit3 <- lm(y ~ 0 + z1 + z2, data = dg, weights = w)
  ct <- coef_test(fit3, vcov = vcovCR(fit3, cluster = dg$cluster, type = "CR2", inverse_var = TRUE),
                  test = "Satterthwaite")
  se <- sqrt(drop(t(cc) %*% V2 %*% cc))
  c(gap = abs(sum(cc * b)) - qt(0.975, ct$df_Satt[1]) * se, df = ct$df_Satt[1])
}
fl <- list()
for (g in sort(unique(d$grp))) {
  dg <- d[d$grp == g, ]
  p <- sapply(c(a = "a", b = "b"), function(s) sum(dg$x[dg$side == s]) / sum(dg$n[dg$side == s]))
  dg$w <- dg$n / (p * (1 - p))[dg$side]
  dg$da <- as.numeric(dg$side == "a")
  dg$db <- as.numeric(dg$side == "b")
  fit2 <- lm(y ~ 0 + da + db, data = dg, weights = w)
  V2 <- vcovCR(fit2, cluster = dg$cluster, type = "CR2", inverse_var = TRUE)
  b <- unname(coef(fit2))
  rhat <- b[1] / b[2]
  f <- function(R) contrast_t(dg, V2, b, R)[["gap"]]
  up <- rhat * 2
  while (f(up) <= 0) up <- up * 2
  lo <- uniroot(f, c(1e-9, rhat), tol = 1e-14)$root
  hi <- uniroot(f, c(rhat, up), tol = 1e-14)$root
  fl[[length(fl) + 1]] <- data.frame(grp = g, ratio = rhat, low = lo, high = hi,
                                     df_low = contrast_t(dg, V2, b, lo)[["df"]],
                                     df_high = contrast_t(dg, V2, b, hi)[["df"]],
                                     df_at_1 = contrast_t(dg, V2, b, 1)[["df"]])
}
fl <- do.call(rbind, fl)
write.csv(fl, "cr2_sides_fieller_golden.csv", row.names = FALSE)
cat("\n# Fieller interval of the ratio (cr2_sides_fieller_golden.csv)\n")
print(fl, digits = 15)
