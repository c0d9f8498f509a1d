// Which database errors mean "the database is unreachable for now" (connection killed, server
// restarting, pool exhausted, a transaction lost a conflict) rather than "this statement is wrong".
// Callers retry the former later; the latter is a bug or bad data and retrying does not help.
// Only errors of the database stack are looked at (Prisma, its pg adapter, node-postgres): a
// connector's ECONNREFUSED is the ERP being down, not the database.

/** SQLSTATE: connection exception (08…), server shutting down / starting (57P0x), too many connections, serialization failure, deadlock. */
const TRANSIENT_SQLSTATE = /^(08|57P0[123]$|53300$|40001$|40P01$)/;
/** Prisma: can't reach / timed out / connection closed / pool timeout / write conflict or deadlock. */
const TRANSIENT_PRISMA = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2034"]);
/** Driver adapter error kinds (@prisma/adapter-pg) for the same situations. */
const TRANSIENT_KINDS = new Set(["ConnectionClosed", "DatabaseNotReachable", "SocketTimeout", "TooManyConnections", "TransactionWriteConflict"]);
/**
 * node-postgres reports a connection that died under a query with a plain Error; "Query read
 * timeout" is its query_timeout (QIAO_DB_QUERY_TIMEOUT_MS) giving up on a connection gone silent.
 */
const PG_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Query read timeout)/;

type Fields = { name?: unknown; code?: unknown; message?: unknown; severity?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown; code?: unknown } } } };

/** Whether `error` says the database is unavailable for now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as Fields;
  const code = typeof e.code === "string" ? e.code : undefined;
  if (typeof e.name === "string" && e.name.startsWith("PrismaClient")) {
    if (e.name === "PrismaClientInitializationError") return true;
    if (code && TRANSIENT_PRISMA.has(code)) return true;
    const cause = e.meta?.driverAdapterError?.cause;
    if (typeof cause?.kind === "string" && TRANSIENT_KINDS.has(cause.kind)) return true;
    const sqlState = cause?.originalCode ?? cause?.code;
    return typeof sqlState === "string" && TRANSIENT_SQLSTATE.test(sqlState);
  }
  // A node-postgres DatabaseError (it carries the SQLSTATE and a severity).
  if (code && typeof e.severity === "string") return TRANSIENT_SQLSTATE.test(code);
  return typeof e.message === "string" && PG_MESSAGES.test(e.message);
}

/** Whether `error` is node-postgres's report of a unique violation (SQLSTATE 23505) of `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === "23505" && e.constraint === constraint;
}
