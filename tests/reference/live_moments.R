# Golden values for tests/analyses/test_live_moments.py (cartlift issue 16, moments inside a LIVE).
# Run from this folder:  Rscript live_moments.R > live_moments.Rout
# Needs R >= 4.2 with clubSandwich (Debian: r-cran-clubsandwich). Not run in CI.
# One row per event: d = window rate - pre-event rate of the event's LIVE, w = viewers in the
# window. The pooled difference is the intercept of lm(d ~ 1, weights = w) (the viewer-weighted
# mean of d); its CR2 variance clustered by LIVE (vcovCR type "CR2", clubSandwich's default
# working model for a weighted lm) and Satterthwaite (Bell-McCaffrey) df (coef_test); the 95%
# interval est +/- qt(0.975, df) * se.
suppressPackageStartupMessages(library(clubSandwich))
options(digits = 15)
cat("#", R.version.string, "; clubSandwich", as.character(packageVersion("clubSandwich")), "\n")
ev <- read.csv("live_moments_fixture.csv", stringsAsFactors = FALSE)
fit <- lm(d ~ 1, data = ev, weights = w)
V <- vcovCR(fit, cluster = ev$live, type = "CR2")
ct <- coef_test(fit, vcov = V, test = "Satterthwaite")
est <- unname(coef(fit)[1]); se <- ct$SE[1]; df <- ct$df_Satt[1]
q <- qt(0.975, df)
cat("estimate,se,df,ci_low,ci_high,pvalue\n")
cat(sprintf("%.15g,%.15g,%.15g,%.15g,%.15g,%.15g\n", est, se, df, est - q * se, est + q * se,
            ct$p_Satt[1]))
