# Golden critical values for analysis.stats.selection (Hsu's MCB), tests/stats/test_selection.py.
# Run: Rscript tests/reference/mcb_reference.R > tests/reference/mcb_reference.out
# d_i = one-sided quantile of max_{j != i} of the standardised differences (theta_j - theta_i),
# multivariate t on df (normal for Inf): mvtnorm::qmvt / qmvnorm, tail = "lower.tail".
suppressMessages(library(mvtnorm))
set.seed(20261207)
d_i <- function(V, i, df) {
  k <- nrow(V); C <- matrix(0, k - 1, k); o <- setdiff(seq_len(k), i)
  for (r in seq_along(o)) { C[r, o[r]] <- 1; C[r, i] <- -1 }
  S <- C %*% V %*% t(C); R <- cov2cor(S)
  if (is.infinite(df)) qmvnorm(0.95, tail = "lower.tail", corr = R, abseps = 1e-5)$quantile
  else qmvt(0.95, tail = "lower.tail", df = df, corr = R, abseps = 1e-5)$quantile
}
cat("balanced k=8 df=Inf (Dunnett one-sided p=7):", sprintf("%.4f", d_i(diag(8), 1, Inf)), "\n")
cat("balanced k=8 df=20:", sprintf("%.4f", d_i(diag(8), 1, 20)), "\n")
cat("balanced k=4 df=10:", sprintf("%.4f", d_i(diag(4), 1, 10)), "\n")
# correlated, unequal: V = diag(s) (0.4 + 0.6 I) diag(s), s = (1, 1.5, 0.8, 2, 1.2), df = 6
s <- c(1, 1.5, 0.8, 2, 1.2); Rm <- matrix(0.4, 5, 5); diag(Rm) <- 1
V <- diag(s) %*% Rm %*% diag(s)
for (i in 1:5) cat("unequal df=6 i=", i, ":", sprintf("%.4f", d_i(V, i, 6)), "\n")
