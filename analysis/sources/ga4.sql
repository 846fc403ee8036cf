-- GA4 BigQuery export -> hourly funnel cells per item (cartlift, issue 3).
--
-- ONE query, kept portable: standard SQL (CTEs, CASE, GROUP BY, window functions, UNNEST in a
-- correlated subquery or a lateral join). The few dialect-specific bits are placeholders filled
-- by analysis/sources/ga4.py from its DIALECTS table:
--   {{events}}      a SELECT of the normalised events: rn, event_name, event_timestamp (INT64 µs
--                 UTC), user_pseudo_id, session_id, currency, device, region, transaction_id,
--                 items (ARRAY<STRUCT<item_id, price, quantity>>)
--   {{hour_start}}  µs UTC of the start of the shop-local hour holding event_timestamp
--   {{unnest}}      lateral join of one row per item of an event: binds `it`
--   {{unit_key}}    the counted unit: user_pseudo_id (visitor) or user + ga_session_id (session)
--   {{dims}} / {{c_dims}} / {{dims_select}} / {{dims_null}}   optional breakdown columns (device, region)
--   {{n_items}}, {{n_items_without_id}}, {{n_items_without_price}}   item counts of an event;
--                 portable form: (SELECT COUNT(*) FROM UNNEST(e.items) AS t(it) WHERE ...), but
--                 DuckDB runs correlated subqueries ~100x slower than its list functions
--   {{session_check}}, {{max_listed}}
--
-- Output: one result with a `kind` column.
--   kind = 'cell'     one row per (hour_start_us, item_id[, device][, region]): category, counts
--   kind = 'rejected' one row per rejected event (at most {{max_listed}} per reason) with rn,
--                     event_name, reason and n (events with that reason in the file)
--   kind = 'used'     one row: n = funnel events that entered a cell
-- Every funnel event (and every line that is not a readable event) is either used or rejected.
WITH events AS (
{events}
),
funnel AS (
  SELECT
    e.*,
    CASE
      WHEN e.event_name IS NULL
        THEN 'no event_name: the line is not a readable GA4 event (malformed or truncated)'
      WHEN e.event_timestamp IS NULL
        THEN 'no event_timestamp (GA4 writes an integer of microseconds since 1970, UTC)'
      WHEN e.user_pseudo_id IS NULL OR e.user_pseudo_id = ''
        THEN 'no user_pseudo_id: the event cannot be attributed to a visitor'
      {session_check}
      WHEN e.items IS NULL OR {n_items} = 0
        THEN 'no items: an item event (' || e.event_name || ') must carry the item it is about'
      WHEN {n_items_without_id} > 0
        THEN 'an item has no item_id (the event is not counted, to keep its items together)'
      WHEN e.event_name = 'purchase' AND (e.transaction_id IS NULL OR e.transaction_id = '')
        THEN 'purchase without ecommerce.transaction_id: orders cannot be counted'
      WHEN e.event_name = 'purchase'
           AND {n_items_without_price} > 0
        THEN 'purchase with an item without price: revenue would be understated'
      WHEN e.event_name = 'purchase' AND (e.currency IS NULL OR e.currency = '')
        THEN 'purchase without currency (event parameter currency)'
    END AS problem,
    {hour_start} AS hour_start_us
  FROM events AS e
  WHERE e.event_name IS NULL
     OR e.event_name IN ('view_item', 'add_to_cart', 'begin_checkout', 'purchase')
),
file_currency AS (
  SELECT currency FROM funnel
  WHERE problem IS NULL AND event_name = 'purchase'
  GROUP BY currency
  ORDER BY COUNT(*) DESC, currency
  LIMIT 1
),
repeated_purchases AS (
  SELECT rn FROM (
    SELECT rn, ROW_NUMBER() OVER (PARTITION BY transaction_id ORDER BY event_timestamp, rn) AS k
    FROM funnel
    WHERE problem IS NULL AND event_name = 'purchase'
  ) AS p
  WHERE k > 1
),
checked AS (
  SELECT
    f.*,
    CASE
      WHEN f.problem IS NOT NULL THEN f.problem
      WHEN f.event_name = 'purchase' AND f.currency <> (SELECT currency FROM file_currency)
        THEN 'purchase in ' || f.currency || ' while the file''s purchases are in '
             || (SELECT currency FROM file_currency) || ': revenue cannot be summed'
      WHEN f.event_name = 'purchase' AND f.rn IN (SELECT rn FROM repeated_purchases)
        THEN 'repeated purchase of transaction ' || f.transaction_id
             || ' (GA4 sometimes sends a purchase twice): counted once, at its first event'
    END AS reason
  FROM funnel AS f
),
lines AS (
  SELECT
    e.hour_start_us, e.event_name, {unit_key} AS unit_key, e.transaction_id{dims_select},
    it.item_id AS item_id, it.item_category AS item_category, it.price AS price,
    COALESCE(it.quantity, 1) AS quantity
  FROM checked AS e
  {unnest}
  WHERE e.reason IS NULL
),
per_unit AS (
  SELECT
    hour_start_us, item_id{dims}, unit_key,
    MAX(CASE WHEN event_name = 'view_item' THEN 1 ELSE 0 END) AS viewed,
    MAX(CASE WHEN event_name = 'add_to_cart' THEN 1 ELSE 0 END) AS added,
    MAX(CASE WHEN event_name = 'begin_checkout' THEN 1 ELSE 0 END) AS checked_out
  FROM lines
  WHERE event_name <> 'purchase'
  GROUP BY hour_start_us, item_id{dims}, unit_key
),
parts AS (
  SELECT
    hour_start_us, item_id{dims},
    SUM(viewed) AS viewers, SUM(viewed * added) AS atc, SUM(checked_out) AS checkouts,
    0 AS orders, 0 AS items, CAST(0 AS DOUBLE) AS revenue
  FROM per_unit
  GROUP BY hour_start_us, item_id{dims}
  UNION ALL
  SELECT
    hour_start_us, item_id{dims},
    0, 0, 0,
    COUNT(DISTINCT transaction_id), SUM(quantity), SUM(price * quantity)
  FROM lines
  WHERE event_name = 'purchase'
  GROUP BY hour_start_us, item_id{dims}
),
categories AS (
  SELECT item_id, MAX(item_category) AS category FROM lines GROUP BY item_id
),
rejected AS (
  SELECT rn, event_name, reason, n FROM (
    SELECT
      rn, event_name, reason,
      COUNT(*) OVER (PARTITION BY reason) AS n,
      ROW_NUMBER() OVER (PARTITION BY reason ORDER BY rn) AS k
    FROM checked
    WHERE reason IS NOT NULL
  ) AS r
  WHERE k <= {max_listed}
),
cells AS (
  SELECT
    hour_start_us, item_id{dims},
    SUM(viewers) AS viewers, SUM(atc) AS atc, SUM(checkouts) AS checkouts,
    SUM(orders) AS orders, SUM(items) AS items, SUM(revenue) AS revenue
  FROM parts
  GROUP BY hour_start_us, item_id{dims}
  HAVING SUM(viewers) + SUM(checkouts) + SUM(orders) > 0  -- e.g. only an add_to_cart, no view
)
SELECT
  'cell' AS kind, c.hour_start_us, c.item_id{c_dims}, k.category,
  c.viewers, c.atc, c.checkouts, c.orders, c.items, c.revenue,
  (SELECT currency FROM file_currency) AS currency,
  CAST(NULL AS BIGINT) AS rn, CAST(NULL AS VARCHAR) AS event_name,
  CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS BIGINT) AS n
FROM cells AS c
LEFT JOIN categories AS k ON k.item_id = c.item_id
UNION ALL
SELECT
  'rejected', NULL, NULL{dims_null}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  rn, event_name, reason, n
FROM rejected
UNION ALL
SELECT
  'used', NULL, NULL{dims_null}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, COUNT(*)
FROM checked
WHERE reason IS NULL
