/** A refusal outside the API envelope (admin endpoint, oversized body), answered with its status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
