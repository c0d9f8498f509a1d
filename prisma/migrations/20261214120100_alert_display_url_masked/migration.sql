-- Data only (session 19). A channel's display_url (shown to every signed-in user) kept the webhook
-- URL's path, where 飞书 (/open-apis/bot/v2/hook/<token>), Slack and Discord put their token, and
-- every failed send repeated it in last_error. Stored rows are masked the way displayUrlOf
-- (packages/alerts/src/channel-config.ts) masks new ones: scheme and host; the path whole only when
-- it is a robot's documented one (/robot/send, /cgi-bin/webhook/send: their token is in the query,
-- which was never kept), else its first segment and "…" ("/…" for a one-segment path). The current
-- URL's name in last_error is replaced by the masked one. Running it again changes nothing.
WITH parts AS (
  SELECT id,
         display_url AS shown,
         substring(display_url from '^[a-z][a-z0-9+.-]*://[^/]*') AS origin,
         coalesce(substring(display_url from '^[a-z][a-z0-9+.-]*://[^/]*(/.*)$'), '') AS path,
         array_remove(string_to_array(coalesce(substring(display_url from '^[a-z][a-z0-9+.-]*://[^/]*(/.*)$'), ''), '/'), '') AS segments
  FROM "alert_channels"
  WHERE display_url <> ''
), masked AS (
  SELECT id, shown,
         CASE
           WHEN path IN ('/robot/send', '/cgi-bin/webhook/send') OR cardinality(segments) = 0 THEN shown
           WHEN cardinality(segments) = 1 THEN origin || '/…'
           ELSE origin || '/' || segments[1] || '/…'
         END AS masked
  FROM parts
  WHERE origin IS NOT NULL
)
UPDATE "alert_channels" c
SET display_url = m.masked,
    last_error = replace(c.last_error, m.shown, m.masked)
FROM masked m
WHERE c.id = m.id AND m.masked <> m.shown;
