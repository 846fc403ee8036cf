-- FROZEN BASELINE of benchmarks/bench_ga4.py: the query a DuckDB user writes by hand for the
-- kit's GA4 hourly item cells (unnest, one row per user, count; no checks, DuckDB defaults).
-- Its result is fetched with `.df().fillna(0)`. Do NOT change this file to flatter the kit:
-- a faster kit must come from the kit. {tz} and {path} are filled by the script.
SET TimeZone = '{tz}';
WITH ev AS (
  SELECT
    event_name, user_pseudo_id, event_timestamp, ecommerce.transaction_id AS tx,
    epoch_us(date_trunc('hour', make_timestamptz(event_timestamp))) AS hour_us,
    UNNEST(items) AS it
  FROM read_parquet('{path}')
  WHERE event_name IN ('view_item', 'add_to_cart', 'begin_checkout', 'purchase')
),
per_user AS (
  SELECT hour_us, it.item_id AS item_id, user_pseudo_id,
    bool_or(event_name = 'view_item') AS viewed,
    bool_or(event_name = 'add_to_cart') AS added,
    bool_or(event_name = 'begin_checkout') AS checked
  FROM ev WHERE event_name <> 'purchase'
  GROUP BY ALL
),
funnel AS (
  SELECT hour_us, item_id, count_if(viewed) AS viewers, count_if(viewed AND added) AS atc,
    count_if(checked) AS checkouts
  FROM per_user GROUP BY ALL
),
first_purchases AS (
  SELECT * FROM ev WHERE event_name = 'purchase'
  QUALIFY event_timestamp = min(event_timestamp) OVER (PARTITION BY tx)
),
sales AS (
  SELECT hour_us, it.item_id AS item_id, count(DISTINCT tx) AS orders,
    sum(coalesce(it.quantity, 1)) AS items, sum(it.price * coalesce(it.quantity, 1)) AS revenue
  FROM first_purchases GROUP BY ALL
)
SELECT * FROM funnel FULL JOIN sales USING (hour_us, item_id)
