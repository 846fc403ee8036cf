# Golden values for tests/stats/test_mixed.py (cartlift issue 13): lme4 glmer on the aggregated sample.
# Run from this folder:  Rscript mixed_glmer.R > mixed_glmer.Rout
# Needs R >= 4.2 with lme4 (Debian: r-cran-lme4). Not run in CI (under a CPU-second).
# mixed_fixture.csv.gz: data/sample cells, formula atc_rate ~ is_live + category, (seed 0, 8 weeks) summed by is_live x category x
# creator x cluster (content_id; product x shop-local day off-live), written by
# analysis.stats.mixed.mixed_design(); creator "" = product card (no creator effect).
suppressPackageStartupMessages(library(lme4))
options(digits = 12)
cat(R.version.string, "; lme4", as.character(packageVersion("lme4")), "\n")
d <- read.csv("mixed_fixture.csv.gz", stringsAsFactors = FALSE, na.strings = "NA")
d$creator[is.na(d$creator)] <- ""
d$has_creator <- as.numeric(d$creator != "")           # creator effect on LIVE and video cells only
d$creator <- factor(ifelse(d$creator == "", "(none)", d$creator))

d$category <- factor(d$category)
d$is_live <- d$is_live %in% c("True", "TRUE", "true", 1)
cat("rows", nrow(d), "creators", nlevels(droplevels(d$creator[d$has_creator == 1])),
    "clusters", length(unique(d$cluster)), "lives", length(unique(d$cluster[d$is_live])), "\n")
t0 <- proc.time()
fit <- glmer(cbind(successes, failures) ~ is_live + category +
               (0 + has_creator | creator) + (1 | creator:cluster),
             family = binomial, data = d, nAGQ = 1, control = glmerControl(optimizer = "bobyqa"))
cat("cpu_seconds", (proc.time() - t0)[["user.self"]], "\n")
b <- fixef(fit)["is_liveTRUE"]; s <- sqrt(vcov(fit)["is_liveTRUE", "is_liveTRUE"])
cat("live_log_or", format(b, digits = 12), "\n")
cat("live_se", format(s, digits = 12), "\n")
cat("live_or_wald_95", format(exp(b + c(-1, 1) * qnorm(0.975) * s), digits = 12), "\n")
vc <- as.data.frame(VarCorr(fit))
cat("sd_creator", format(vc$sdcor[vc$grp == "creator"], digits = 12), "\n")
cat("sd_cluster", format(vc$sdcor[vc$grp == "creator:cluster"], digits = 12), "\n")
cat("intercept", format(fixef(fit)[["(Intercept)"]], digits = 12), "\n")
cat("category_fixef", format(fixef(fit)[grep("^category", names(fixef(fit)))], digits = 12), "\n")
cat("logLik", format(as.numeric(logLik(fit)), digits = 12), "\n")
