"""GA4 BigQuery-export aggregation: the kit (DuckDB) against pandas, measured in one run.

Generates a seeded GA4-format ``events_*.parquet`` file of ``--events`` events (default 10 M) with
DuckDB (``COPY (generated query) TO ... (FORMAT parquet)``, no pandas), then aggregates it into
hourly item cells twice, each in its own child process:

- ``kit``: :func:`analysis.sources.ga4.read` (DuckDB, one SQL query, DuckDB memory limit 512 MB);
- ``pandas``: the same aggregation written with pandas (arrow-backed columns, items unnested with
  ``Series.list.flatten``, ``groupby``).

Each child reports its wall time and its own peak resident memory (``VmHWM``); the parent
checks that both give the same cells and prints the ratios.

    .venv/bin/python benchmarks/bench_ga4.py               # 10 M events
    .venv/bin/python benchmarks/bench_ga4.py --events 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TZ = "Europe/Paris"
FUNNEL = ("view_item", "add_to_cart", "begin_checkout", "purchase")
HOUR_US = 3_600_000_000


def generate(path: Path, events: int, seed: int) -> None:
    """Write ``events`` GA4-like events: visits of 6 events (one user, one item, within two
    minutes), 7 days from 2026-11-16, ~1 user per 10 events, 500 items; about 17 % of the
    events are not funnel events (``page_view``)."""
    import duckdb

    users = max(events // 10, 1)
    t0 = 1_795_129_200_000_000  # 2026-11-16T00:00:00+01:00 in µs
    week = 7 * 24 * HOUR_US
    h = f"CAST(hash(v, {int(seed)}, "  # deterministic pseudo-random numbers per visit
    sql = f"""
    WITH e AS (SELECT i, i // 6 AS v, i % 6 AS pos FROM range({int(events)}) AS t(i)),
    r AS (
      SELECT i, v, pos,
        {h}1) % {users} AS BIGINT) AS u, {h}2) % 500 AS BIGINT) AS item, {h}3) % {week} AS BIGINT) AS t,
        {h}4) % 100 AS BIGINT) AS p, {h}5) % 1000000000 AS BIGINT) AS sid, {h}6) % 3 AS BIGINT) AS dev, {h}7) % 13 AS BIGINT) AS reg
      FROM e)
    SELECT
      strftime(make_timestamp(CAST({t0} + t + pos * 20000000 AS BIGINT)), '%Y%m%d') AS event_date,
      CAST({t0} + t + pos * 20000000 AS BIGINT) AS event_timestamp,
      CASE
        WHEN pos = 0 THEN 'view_item'
        WHEN pos = 2 THEN CASE WHEN p < 30 THEN 'add_to_cart' ELSE 'view_item' END
        WHEN pos = 3 THEN CASE WHEN p < 20 THEN 'add_to_cart' ELSE 'view_item' END
        WHEN pos = 4 THEN CASE WHEN p < 8 THEN 'begin_checkout' ELSE 'view_item' END
        WHEN pos = 5 THEN CASE WHEN p < 4 THEN 'purchase' ELSE 'page_view' END
        ELSE 'page_view'
      END AS event_name,
      'u' || u AS user_pseudo_id,
      [{{'key': 'ga_session_id', 'value': {{'string_value': NULL::VARCHAR,
         'int_value': sid, 'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}},
       {{'key': 'currency', 'value': {{'string_value': 'EUR', 'int_value': NULL::BIGINT,
         'float_value': NULL::DOUBLE, 'double_value': NULL::DOUBLE}}}}] AS event_params,
      [{{'item_id': 'SKU' || lpad(CAST(item AS VARCHAR), 4, '0'), 'item_name': 'Item ' || item,
         'item_category': ['beauty', 'gaming', 'streetwear', 'home'][item % 4 + 1],
         'price': 5.0 + item % 50, 'quantity': 1 + p % 3}}] AS items,
      {{'category': ['mobile', 'desktop', 'tablet'][dev + 1]}} AS device,
      {{'country': 'France', 'region': 'R' || reg}} AS geo,
      {{'transaction_id': CASE WHEN pos = 5 AND p < 4 THEN 'T' || v END,
        'purchase_revenue': NULL::DOUBLE}} AS ecommerce
    FROM r
    ORDER BY i
    """
    con = duckdb.connect(config={"memory_limit": "2GB"})
    con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 122880)")
    con.close()


def run_kit(path: Path) -> dict:
    from analysis.sources import ga4

    loaded = ga4.read(path, tz=TZ)
    c = loaded.cells
    return {"cells": len(c), "rows_read": loaded.rows_read, "checksum": _checksum(c)}


def run_pandas(path: Path) -> dict:
    """The same aggregation in pandas (visitor unit, funnel events, no breakdown)."""
    import numpy as np
    import pandas as pd

    cols = ["event_name", "event_timestamp", "user_pseudo_id", "items", "ecommerce"]
    df = pd.read_parquet(path, columns=cols, dtype_backend="pyarrow")
    df = df[df["event_name"].isin(FUNNEL)]
    ts = df["event_timestamp"].astype("int64").to_numpy()
    wall = pd.to_datetime(ts, unit="us", utc=True).tz_convert(TZ).tz_localize(None)
    hour = ts - wall.as_unit("us").asi8 % HOUR_US  # start of the local hour, µs UTC
    n = df["items"].list.len().fillna(0).astype("int64").to_numpy()
    rep = np.repeat(np.arange(len(df)), n)
    flat = df["items"].list.flatten()
    lines = pd.DataFrame(
        {
            "hour": hour[rep],
            "event": df["event_name"].to_numpy()[rep],
            "user": df["user_pseudo_id"].to_numpy()[rep],
            "tx": df["ecommerce"].struct.field("transaction_id").to_numpy()[rep],
            "ts": ts[rep],
            "item": flat.struct.field("item_id").to_numpy(),
            "price": flat.struct.field("price").astype("float64").to_numpy(),
            "qty": flat.struct.field("quantity").fillna(1).astype("int64").to_numpy(),
        }
    )
    del df, flat
    browse = lines[lines["event"] != "purchase"]
    per_unit = (
        browse.assign(
            viewed=browse["event"] == "view_item",
            added=browse["event"] == "add_to_cart",
            checked=browse["event"] == "begin_checkout",
        )
        .groupby(["hour", "item", "user"])[["viewed", "added", "checked"]]
        .max()
    )
    per_unit["atc"] = per_unit["viewed"] & per_unit["added"]
    funnel = per_unit.groupby(level=["hour", "item"]).agg(
        viewers=("viewed", "sum"), atc=("atc", "sum"), checkouts=("checked", "sum")
    )
    buys = lines[lines["event"] == "purchase"]
    first = buys.groupby("tx")["ts"].transform("min") == buys["ts"]
    buys = buys[first].assign(revenue=lambda d: d["price"] * d["qty"])
    sales = buys.groupby(["hour", "item"]).agg(
        orders=("tx", "nunique"), items=("qty", "sum"), revenue=("revenue", "sum")
    )
    cells = funnel.join(sales, how="outer").fillna(0).reset_index()
    return {"cells": len(cells), "checksum": _checksum(cells)}


def _checksum(c) -> dict:
    return {k: round(float(c[k].sum()), 4) for k in
            ("viewers", "atc", "checkouts", "orders", "items", "revenue")}  # fmt: skip


def child(which: str, path: Path, events: int = 0, seed: int = 0) -> None:
    if which == "generate":
        generate(Path(path), events, seed)
        print(json.dumps({}))
        return
    t = time.perf_counter()
    out = (run_kit if which == "kit" else run_pandas)(Path(path))
    out["wall_s"] = time.perf_counter() - t
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def peak_rss_mb() -> float:
    """Peak resident memory of this process: ``VmHWM`` (Linux). ``ru_maxrss`` is the fallback
    only: Linux carries it over ``exec`` from the parent at fork time, so a child started by a
    big parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(which: str, path: Path, *extra: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", which, str(path), *extra],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"{which} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", nargs=2, metavar=("WHICH", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), args.events, args.seed)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events_20261116.parquet"
        t = time.perf_counter()
        measure("generate", path, "--events", str(args.events), "--seed", str(args.seed))
        size = path.stat().st_size / 2**20
        print(f"generated {args.events:,} events in {time.perf_counter() - t:.1f} s "
              f"({size:.0f} MB Parquet)")  # fmt: skip
        kit = measure("kit", path)
        pds = measure("pandas", path)
    same = kit["cells"] == pds["cells"] and kit["checksum"] == pds["checksum"]
    print(f"kit (DuckDB): {kit['wall_s']:.1f} s, peak RSS {kit['peak_rss_mb']:.0f} MB, "
          f"{kit['cells']:,} cells from {kit['rows_read']:,} funnel events")  # fmt: skip
    print(f"pandas:       {pds['wall_s']:.1f} s, peak RSS {pds['peak_rss_mb']:.0f} MB, "
          f"{pds['cells']:,} cells")  # fmt: skip
    print(
        f"ratio pandas / kit: time {pds['wall_s'] / kit['wall_s']:.1f}x, "
        f"peak memory {pds['peak_rss_mb'] / kit['peak_rss_mb']:.1f}x; same cells: {same}"
    )
    print(f"kit peak memory under 2 GB: {kit['peak_rss_mb'] < 2048}")
    return 0 if same and kit["peak_rss_mb"] < 2048 else 1


if __name__ == "__main__":
    sys.exit(main())
