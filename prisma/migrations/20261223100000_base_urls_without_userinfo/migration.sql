-- A connection's base URL holds no user name or password (session 31's audit). Since session 25 the
-- API refuses `http://user:password@host/…` at save, but rows saved before kept theirs: in plain text
-- (base URLs are shown to every viewer), and sent by node's client as Basic auth with every call.
--
-- The user info is taken out of those rows: the address (scheme, host, port, path) stays, so their
-- sealed secrets stay bound to it. A backslash ends an http(s) host as URL parsing reads it, so the
-- user info is what comes before the last `@` ahead of any `/`, `?`, `#` or `\`. A server that needed
-- the Basic auth answers the next call with an authentication error; the credentials belong in the
-- connection's own fields. The API shows such an address without its user info and the connectors
-- refuse to call one (BaseUrlUserinfoError) whatever this leaves.
UPDATE connections
SET base_url = regexp_replace(base_url, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\\]*@', '\1'),
    updated_at = now()
WHERE base_url ~ '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\]*@';
