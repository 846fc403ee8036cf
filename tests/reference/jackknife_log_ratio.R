# Golden values of the delete-one-cluster jackknife for tests/stats/test_mantel_haenszel.py (issue 13).
# Run from this folder:  Rscript jackknife_log_ratio.R > jackknife_log_ratio.Rout   (base R only)
# Fixture jackknife_fixture.csv: cells (cluster, live 0/1, stratum, x successes, n trials), drawn
# once by _clustered(3, strata=12) in the test (8 LIVE clusters, 15 off-live, sparse strata).
# Brute force: refit the adjusted ratio without each cluster in turn;
# Var(log R) = (G-1)/G * sum((theta_g - mean(theta))^2), t(min(G_a, G_b) - 1).
options(digits = 15)
cat(R.version.string, "\n")
d <- read.csv("jackknife_fixture.csv")
adjusted_ratio <- function(d, method) {
  a <- d[d$live == 1, ]; b <- d[d$live == 0, ]
  s <- sort(unique(d$stratum))
  xa <- tapply(a$x, factor(a$stratum, s), sum); na <- tapply(a$n, factor(a$stratum, s), sum)
  xb <- tapply(b$x, factor(b$stratum, s), sum); nb <- tapply(b$n, factor(b$stratum, s), sum)
  xa[is.na(xa)] <- 0; na[is.na(na)] <- 0; xb[is.na(xb)] <- 0; nb[is.na(nb)] <- 0
  both <- na > 0 & nb > 0  # strata with both sides
  xa <- xa[both]; na <- na[both]; xb <- xb[both]; nb <- nb[both]; N <- na + nb
  if (method == "mantel-haenszel") sum(xa * nb / N) / sum(xb * na / N)
  else sum(xa) / sum(na * xb / nb)  # standardisation to the LIVE mix (SMR)
}
G <- length(unique(d$cluster))
cat("G", G, "G_a", length(unique(d$cluster[d$live == 1])), "G_b",
    length(unique(d$cluster[d$live == 0])), "\n")
for (method in c("mantel-haenszel", "standardisation")) {
  theta <- sapply(sort(unique(d$cluster)), function(g) log(adjusted_ratio(d[d$cluster != g, ], method)))
  se <- sqrt((G - 1) / G * sum((theta - mean(theta))^2))
  cat(method, "ratio", format(adjusted_ratio(d, method)), "se_log", format(se), "\n")
}
