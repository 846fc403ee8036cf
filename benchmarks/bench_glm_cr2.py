"""CR2 (default) vs CR1 covariance of the binomial GLM on the sample: fit time and the live df.

    .venv/bin/python benchmarks/bench_glm_cr2.py [--week 2026-W47]

The regression notebook's model (``atc_rate ~ is_live + C(hour) + category + age_group + gender
+ promo``, clustered by ``content_id``) on the embedded sample (all of it, or one ISO week: a week of the sample has about 10 LIVEs),
fitted with ``vcov="CR2"`` and
``vcov="CR1"`` (best of 5 each). Prints both wall times, their ratio, and the live odds ratio
with its interval, reference df and informing clusters under each: CR1 refers every coefficient
to t(G - 1) with G all clusters; CR2 gives the live coefficient its Bell-McCaffrey df.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMULA = "atc_rate ~ is_live + C(hour) + category + age_group + gender + promo"


def main(argv: list[str] | None = None) -> int:
    import argparse

    import numpy as np

    import analysis as cl
    from analysis.paths import SAMPLE_DIR

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--week", default=None, help="one ISO week, e.g. 2026-W47")
    args = parser.parse_args(argv)
    cells = cl.load(SAMPLE_DIR, tz="Europe/Paris")
    if args.week:
        cells = cl.select_week(cells, args.week)
    times, rows = {}, {}
    for vcov in ("CR1", "CR2"):
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            res = cl.glm(cells, FORMULA, vcov=vcov)
            table = cl.coef_table(res)
            best = min(best, time.perf_counter() - t0)
        times[vcov] = best
        rows[vcov] = table.set_index("term").loc["is_live[T.True]"]
    print(f"cells {len(cells):,}; aggregated rows {res.cartlift.n_rows:,}; "
          f"clusters {res.cartlift.n_clusters}")  # fmt: skip
    for vcov in ("CR1", "CR2"):
        r = rows[vcov]
        print(f"{vcov}: fit + coef_table {times[vcov]:.3f} s (best of 5); live OR "
              f"{np.exp(r['estimate']):.3f} ({np.exp(r['ci_low']):.3f}-{np.exp(r['ci_high']):.3f}), "
              f"se {r['se']:.4f}, df {r['df']:.2f}, p {r['pvalue']:.3g}, "
              f"clusters informing it {int(r['n_clusters'])}, status {r['status']}")  # fmt: skip
    print(f"time ratio CR2 / CR1: {times['CR2'] / times['CR1']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
