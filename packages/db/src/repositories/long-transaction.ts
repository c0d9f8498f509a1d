// Prisma's interactive transactions end after 5 s by default, waits for their locks included. A
// transaction that may delete or rewrite a scheme's history (a delete's cascade over millions of
// staged rows and runs, a rename rewriting every version of its readers, a target switch making every
// staged row pending) or wait behind NAMES_LOCK gets as long as one statement may take: the default
// of QIAO_DB_QUERY_TIMEOUT_MS (session 31's audit: deleting a scheme with a million staged records
// took 5.08 s and failed every time). `maxWait` bounds waiting for a pooled connection.
export const LONG_TRANSACTION = { maxWait: 10_000, timeout: 120_000 } as const;
