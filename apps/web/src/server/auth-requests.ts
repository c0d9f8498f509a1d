// What reaches better-auth's endpoints (/api/auth/*) passes here first: the body is read against
// QIAO_MAX_BODY_BYTES like every other route's, so better-auth never buffers an oversized one.
import { config } from "@qiao/db";
import { errorResponse } from "./api";
import { auth } from "./auth";
import { readBodyBytes } from "./request-body";

export async function handleAuthPost(req: Request): Promise<Response> {
  try {
    const body = await readBodyBytes(req, config().QIAO_MAX_BODY_BYTES);
    return await auth().handler(new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal }));
  } catch (error) {
    return errorResponse(error);
  }
}
