-- GA4 BigQuery export -> hourly funnel cells per item (cartlift; docs/data-formats.md, GA4).
--
-- ONE query for every engine (DuckDB, Spark SQL, BigQuery), kept portable: CTEs, CASE, GROUP BY,
-- window functions, scalar subqueries, one lateral unnest. The few engine-specific bits are
-- placeholders filled by analysis/sources/ga4_query.py from its DIALECTS table (golden files of the
-- generated text: tests/fixtures/ga4/*.sql):
--   {{browse_events}}    a SELECT of the normalised view_item / add_to_cart / begin_checkout events
--                      and of the unreadable lines (event_name NULL): rn, event_name,
--                      event_timestamp (integer µs UTC), user_pseudo_id, session_id, device, region,
--                      items (ARRAY<STRUCT<item_id, item_category, price, quantity>>)
--   {{funnel_events}}    the same for every funnel event (purchases too), plus currency (of the
--                      purchases) and transaction_id
--   {{hour_offset}}      the shop zone's UTC offset of e.event_timestamp modulo one hour, in µs:
--                      the hour starts at event_timestamp - MOD(event_timestamp + it, 1 h). It is
--                      0, or a constant (Kolkata: 30 min), or a CASE over the few instants where
--                      it changes (e.g. Caracas, Lord Howe), computed from the IANA database by
--                      ga4_query.hour_offset_sql: no zone conversion per event, on any engine
--   {{unnest}}           lateral join of one row per item of an event `e`: binds `it`
--   {{unit_key}}         the counted unit: user_pseudo_id (visitor) or user + ga_session_id (session)
--   {{n_items}}, {{n_items_without_id}}, {{n_items_without_price}}   item counts of an event
--   {{int}}, {{string}}, {{decimal}}   type names (revenue is summed as a decimal:
--                      exact, so every engine gives the same number)
--   {{dims}} / {{e_dims}} / {{c_dims}} / {{fs_dims}} / {{dims_select}} / {{dims_null}}   optional
--                      breakdown columns (device, region); {{fs_join}} their null-safe equality
--                      ({{same}}: a missing device is a device of its own)
--   {{browse_checks}} / {{side_checks}}   the checks every funnel event passes (first failing
--                      one = its rejection reason): ga4_query.EVENT_CHECKS, written once, indented
--   {{max_listed}}
--
-- Shape, for speed (profiles in benchmarks/README.md): the big stream (browse events,
-- ~99 % of the funnel) goes from the read straight into the per-unit GROUP BY, never
-- materialised ({{inline}}); a second read checks every funnel event and keeps only the few
-- rejected ones and the purchases (~1 %); the used count is a count of one column; local hours
-- are integer arithmetic ({{hour_offset}}). Revenue is summed as a decimal: exact, the same on
-- every engine.
--
-- Output: one result with a `kind` column.
--   kind = 'cell'     one row per (hour_start_us, item_id[, device][, region]): counts (revenue
--                     NULL without sales; category NULL: it is the item's, in the 'category' rows)
--   kind = 'category' one row per item: item_id and its category (cheaper than joining each of
--                     up to millions of cells with its item's category)
--   kind = 'rejected' one row per rejected event (at most {{max_listed}} per reason) with rn,
--                     event_name, reason and n (events with that reason in the file)
--   kind = 'used'     one row: n = funnel events that entered a cell
-- Every funnel event (and every line that is not a readable event) is either used or rejected.
WITH browse_checked AS {inline} (
  SELECT
    e.rn, e.event_name, {unit_key} AS unit_key{dims_select}, e.items,
    e.event_timestamp - MOD(e.event_timestamp + {hour_offset}, 3600000000) AS hour_start_us,
    CASE
      {browse_checks}
    END AS reason
  FROM ({browse_events}) AS e
),
side_checked AS (  -- one more read: the few events that are rejected or purchases
  SELECT * FROM (
    SELECT
      e.rn, e.event_name, e.event_timestamp, e.currency, e.transaction_id,
      e.event_timestamp - MOD(e.event_timestamp + {hour_offset}, 3600000000) AS hour_start_us
      {dims_select}, e.items,
      CASE
        {side_checks}
        WHEN e.event_name <> 'purchase'
          THEN NULL
        WHEN e.transaction_id IS NULL OR e.transaction_id = ''
          THEN 'purchase without ecommerce.transaction_id: orders cannot be counted'
        WHEN {n_items_without_price} > 0
          THEN 'purchase with an item without price: revenue would be understated'
        WHEN e.currency IS NULL OR e.currency = ''
          THEN 'purchase without currency (event parameter currency)'
      END AS problem
    FROM ({funnel_events}) AS e
  ) AS c
  WHERE c.problem IS NOT NULL OR c.event_name = 'purchase'
),
browse_rejected AS (
  SELECT rn, event_name, problem AS reason FROM side_checked
  WHERE event_name IS NULL OR event_name <> 'purchase'
),
purchase_checked AS (
  SELECT * FROM side_checked WHERE event_name = 'purchase'
),
file_currency AS (
  SELECT currency FROM purchase_checked
  WHERE problem IS NULL
  GROUP BY currency
  ORDER BY COUNT(*) DESC, currency
  LIMIT 1
),
purchases AS (
  SELECT
    p.*,
    CASE
      WHEN p.problem IS NOT NULL THEN p.problem
      WHEN p.currency <> (SELECT currency FROM file_currency)
        THEN 'purchase in ' || p.currency || ' while the other purchases of the file are in '
             || (SELECT currency FROM file_currency) || ': revenue cannot be summed'
      WHEN p.k > 1
        THEN 'repeated purchase of transaction ' || p.transaction_id
             || ' (GA4 sometimes sends a purchase twice): counted once, at its first event'
    END AS reason
  FROM (
    SELECT
      c.*,
      ROW_NUMBER() OVER (
        PARTITION BY c.problem, c.transaction_id ORDER BY c.event_timestamp, c.rn
      ) AS k
    FROM purchase_checked AS c
  ) AS p
),
per_unit AS (
  SELECT
    e.hour_start_us, it.item_id AS item_id{e_dims}, e.unit_key,
    MAX(it.item_category) AS category,
    MAX(CASE WHEN e.event_name = 'view_item' THEN 1 ELSE 0 END) AS viewed,
    MAX(CASE WHEN e.event_name = 'add_to_cart' THEN 1 ELSE 0 END) AS added,
    MAX(CASE WHEN e.event_name = 'begin_checkout' THEN 1 ELSE 0 END) AS checked_out
  FROM browse_checked AS e
  {unnest}
  WHERE e.reason IS NULL
  GROUP BY e.hour_start_us, it.item_id{e_dims}, e.unit_key
),
funnel AS (
  SELECT
    hour_start_us, item_id{dims}, MAX(category) AS category,
    CAST(SUM(viewed) AS {int}) AS viewers, CAST(SUM(viewed * added) AS {int}) AS atc,
    CAST(SUM(checked_out) AS {int}) AS checkouts
  FROM per_unit
  GROUP BY hour_start_us, item_id{dims}
),
sales AS (
  SELECT
    e.hour_start_us, it.item_id AS item_id{e_dims}, MAX(it.item_category) AS category,
    COUNT(DISTINCT e.transaction_id) AS orders, CAST(SUM(COALESCE(it.quantity, 1)) AS {int}) AS items,
    SUM(CAST(it.price * COALESCE(it.quantity, 1) AS {decimal})) AS revenue  -- exact: same on every engine
  FROM purchases AS e
  {unnest}
  WHERE e.reason IS NULL
  GROUP BY e.hour_start_us, it.item_id{e_dims}
),
all_cells AS (  -- a full join, not a union and a second GROUP BY: sales cells are few
  SELECT
    COALESCE(f.hour_start_us, s.hour_start_us) AS hour_start_us,
    COALESCE(f.item_id, s.item_id) AS item_id{fs_dims},
    COALESCE(f.viewers, 0) AS viewers, COALESCE(f.atc, 0) AS atc,
    COALESCE(f.checkouts, 0) AS checkouts, COALESCE(s.orders, 0) AS orders,
    COALESCE(s.items, 0) AS items, s.revenue  -- NULL without sales: 0 once shaped (ga4_result)
  FROM funnel AS f
  FULL JOIN sales AS s
    ON f.hour_start_us = s.hour_start_us AND f.item_id = s.item_id{fs_join}
),
categories AS (  -- an item's category: the largest of its events' (browse and purchase)
  SELECT item_id, MAX(category) AS category FROM (
    SELECT item_id, category FROM funnel
    UNION ALL
    SELECT item_id, category FROM sales
  ) AS c
  GROUP BY item_id
),
rejected AS (
  SELECT rn, event_name, reason, n, k FROM (
    SELECT
      rn, event_name, reason,
      COUNT(*) OVER (PARTITION BY reason) AS n,
      ROW_NUMBER() OVER (PARTITION BY reason ORDER BY rn) AS k
    FROM (
      SELECT rn, event_name, reason FROM browse_rejected
      UNION ALL
      SELECT rn, event_name, reason FROM purchases WHERE reason IS NOT NULL
    ) AS b
  ) AS r
  WHERE k <= {max_listed}
),
used AS (  -- events read (a count of one column) minus the rejected ones
  SELECT COUNT(*) AS n FROM ({browse_events}) AS e
  UNION ALL
  SELECT COUNT(*) AS n FROM purchases
  UNION ALL
  SELECT -SUM(n) AS n FROM rejected WHERE k = 1
)
SELECT
  'cell' AS kind, c.hour_start_us, c.item_id{c_dims}, CAST(NULL AS {string}) AS category,
  c.viewers, c.atc, c.checkouts, c.orders, c.items, CAST(c.revenue AS {string}) AS revenue,
  (SELECT currency FROM file_currency) AS currency,
  CAST(NULL AS {int}) AS rn, CAST(NULL AS {string}) AS event_name,
  CAST(NULL AS {string}) AS reason, CAST(NULL AS {int}) AS n
FROM all_cells AS c
WHERE c.viewers + c.checkouts + c.orders > 0  -- not e.g. only an add_to_cart without a view
UNION ALL
SELECT
  'category', NULL, item_id{dims_null}, category, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL
FROM categories
UNION ALL
SELECT
  'rejected', NULL, NULL{dims_null}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  rn, event_name, reason, n
FROM rejected
UNION ALL
SELECT
  'used', NULL, NULL{dims_null}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, CAST(SUM(n) AS {int})
FROM used
