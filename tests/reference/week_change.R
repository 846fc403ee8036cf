# Golden values for tests/analyses/test_week_change.py (cartlift issue 15, "what changed this week").
# Run from this folder:  Rscript week_change.R > week_change.Rout
# Needs R >= 4.2 with clubSandwich (Debian: r-cran-clubsandwich). Not run in CI.
# Fixture: week_change_fixture.csv, two ISO weeks (2026-W46 "previous", 2026-W47 "this").
# Per side (LIVE clustered by content_id, outside LIVE by date), the difference of pooled rates
# this - previous is the contrast (1, -1) of lm(y ~ 0 + this + prev, weights = n / phi_period),
# y = x / n on cluster totals, phi = p (1 - p) of the period; CR2 vcov (vcovCR type "CR2",
# inverse_var = TRUE) and Satterthwaite (Bell-McCaffrey) df via the reparameterisation of
# cr2_sides.R (the contrast made a coefficient: same hat matrix, same CR2 and df). Interval
# diff +- qt(0.975, df) * se; p-value 2 P(T_df > |diff| / se); Holm across the two rows with
# p.adjust(method = "holm"). Written to week_change_golden.csv.
suppressPackageStartupMessages(library(clubSandwich))
options(digits = 15)
cat("#", R.version.string, "; clubSandwich", as.character(packageVersion("clubSandwich")), "\n")
cells <- read.csv("week_change_fixture.csv", stringsAsFactors = FALSE)
cells$period <- ifelse(as.Date(cells$date) >= as.Date("2026-11-16"), "this", "prev")
cells$side <- ifelse(cells$is_live == "True", "live", "nonlive")
cells$cluster <- ifelse(cells$side == "live", cells$content_id, cells$date)
d <- aggregate(cbind(atc, viewers) ~ side + period + cluster, data = cells, FUN = sum)
d$y <- d$atc / d$viewers
out <- list()
for (s in c("live", "nonlive")) {
  dg <- d[d$side == s, ]
  p <- sapply(c("this", "prev"), function(k) sum(dg$atc[dg$period == k]) / sum(dg$viewers[dg$period == k]))
  phi <- p * (1 - p)
  dg$w <- dg$viewers / phi[dg$period]
  dg$da <- as.numeric(dg$period == "this")
  dg$db <- as.numeric(dg$period == "prev")
  dg$z1 <- dg$da            # c = (1, -1): theta1 = b_a - b_b
  dg$z2 <- dg$db + dg$da    # theta2 = b_b
  fit <- lm(y ~ 0 + z1 + z2, data = dg, weights = w)
  V <- vcovCR(fit, cluster = dg$cluster, type = "CR2", inverse_var = TRUE)
  ct <- coef_test(fit, vcov = V, test = "Satterthwaite")
  est <- unname(coef(fit)[1]); se <- ct$SE[1]; df <- ct$df_Satt[1]
  q <- qt(0.975, df)
  out[[s]] <- data.frame(side = s, rate = p[["this"]], rate_previous = p[["prev"]], diff = est,
                         se = se, df = df, diff_ci_low = est - q * se, diff_ci_high = est + q * se,
                         pvalue = 2 * pt(abs(est / se), df, lower.tail = FALSE))
}
res <- do.call(rbind, out)
res$pvalue_holm <- p.adjust(res$pvalue, method = "holm")
write.csv(res, "week_change_golden.csv", row.names = FALSE)
print(res, digits = 15)
