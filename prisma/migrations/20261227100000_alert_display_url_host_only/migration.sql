-- A webhook channel's shown address kept its path's first segment ("https://host/<segment>/…"),
-- which is the token itself for some receivers (Telegram /bot<token>/sendMessage, Bark /<key>/…):
-- every viewer read it, and every send error quoted it (session 35's audit). displayUrlOf now shows
-- scheme and host only ("https://host/…"); the stored addresses, and the last send errors that
-- quoted them, are masked the same way. The robots' documented paths (no "…") are left as they are.
UPDATE "alert_channels"
SET "display_url" = substring("display_url" from '^[A-Za-z][A-Za-z0-9+.-]*://[^/]+') || '/…',
    "last_error" = replace("last_error", "display_url", substring("display_url" from '^[A-Za-z][A-Za-z0-9+.-]*://[^/]+') || '/…'),
    "last_error_message" = replace("last_error_message"::text, "display_url", substring("display_url" from '^[A-Za-z][A-Za-z0-9+.-]*://[^/]+') || '/…')::jsonb
WHERE "display_url" ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/]+/[^/]+/…$';
