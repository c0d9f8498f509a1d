// Before `npm run dev`: check that PostgreSQL and Redis answer, and say clearly what to do if not.
import net from "node:net";
import pg from "pg";
import { config, redactUrl } from "../config";

async function checkPostgres(url: string): Promise<string | null> {
  const target = new URL(url);
  target.pathname = "/postgres";
  const client = new pg.Client({ connectionString: target.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A bare RESP PING, so the check needs no client library and cannot hang on reconnects. */
function checkRedis(url: string): Promise<string | null> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (result: string | null) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(3000, () => done("timed out"));
    socket.on("error", (e) => done(e.message || e.name));
    socket.on("connect", () => {
      if (u.password) socket.write(`AUTH ${decodeURIComponent(u.password)}\r\n`);
      socket.write("PING\r\n");
    });
    socket.on("data", (d) => {
      const text = d.toString();
      if (text.includes("+PONG")) done(null);
      else if (text.startsWith("-")) done(text.trim());
    });
  });
}

const { DATABASE_URL, REDIS_URL } = config();
const [pgError, redisError] = await Promise.all([checkPostgres(DATABASE_URL), checkRedis(REDIS_URL)]);
const problems: string[] = [];
if (pgError) problems.push(`PostgreSQL is not answering at ${redactUrl(DATABASE_URL)} (${pgError}).`);
if (redisError) problems.push(`Redis is not answering at ${redactUrl(REDIS_URL)} (${redisError}).`);
if (problems.length > 0) {
  console.error(
    [
      ...problems,
      "Start them with `docker compose up -d postgres redis`, or point DATABASE_URL / REDIS_URL",
      "(see .env.example) at servers you run yourself.",
    ].join("\n"),
  );
  process.exit(1);
}
