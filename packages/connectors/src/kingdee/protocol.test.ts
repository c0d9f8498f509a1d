// failedStatusOf skips validating a status that says IsSuccess: true (issue #16): for any answer,
// well-formed or not, it must say what validating the whole envelope first said.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { failedStatusOf, responseStatusSchema, type ResponseStatus } from "./protocol";

const envelope = z.object({ Result: z.object({ ResponseStatus: responseStatusSchema }) });

function validatedFirst(body: unknown): ResponseStatus | undefined {
  const candidate = Array.isArray(body) && Array.isArray(body[0]) ? body[0][0] : body;
  const parsed = envelope.safeParse(candidate);
  return !parsed.success || parsed.data.Result.ResponseStatus.IsSuccess ? undefined : parsed.data.Result.ResponseStatus;
}

const loose = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -1, max: 20 }), fc.string({ maxLength: 3 }));
const entity = fc.record({ Id: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), loose), Number: fc.oneof(fc.string({ maxLength: 3 }), loose), DIndex: fc.oneof(fc.nat(5), loose) }, { requiredKeys: [] });
const error = fc.record({ FieldName: fc.oneof(fc.string({ maxLength: 3 }), loose), Message: fc.oneof(fc.string({ maxLength: 3 }), loose), DIndex: fc.oneof(fc.nat(5), loose) }, { requiredKeys: [] });
const status = fc.record(
  {
    IsSuccess: fc.oneof(fc.boolean(), loose),
    ErrorCode: fc.oneof(fc.integer(), loose),
    MsgCode: fc.oneof(fc.integer({ min: 0, max: 14 }), loose),
    Errors: fc.oneof(fc.array(fc.oneof(error, loose), { maxLength: 3 }), loose),
    SuccessEntitys: fc.oneof(fc.array(fc.oneof(entity, loose), { maxLength: 3 }), loose),
  },
  { requiredKeys: [] },
);
const answer = fc.oneof(
  status.map((s) => ({ Result: { ResponseStatus: s } })),
  status.map((s) => [[{ Result: { ResponseStatus: s } }]]),
  fc.oneof(status, loose, fc.constant([]), fc.constant({ Result: null }), fc.constant({ Result: [] })),
);

describe("failedStatusOf", () => {
  it("says what validating the whole envelope first said, for any answer", () => {
    fc.assert(
      fc.property(answer, (body) => {
        expect(failedStatusOf(body)).toEqual(validatedFirst(body));
      }),
      { numRuns: 5000 },
    );
  });

  it("a failure is still read and validated; a success with a malformed entity is no failure", () => {
    const failed = { Result: { ResponseStatus: { IsSuccess: false, MsgCode: 1, Errors: [{ Message: "会话信息已丢失，请重新登录", DIndex: 0 }] } } };
    expect(failedStatusOf(failed)).toEqual(failed.Result.ResponseStatus);
    expect(failedStatusOf({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: "1" } } })).toBeUndefined();
    expect(failedStatusOf({ Result: { ResponseStatus: { IsSuccess: true, SuccessEntitys: [{ DIndex: 0 }] } } })).toBeUndefined();
  });
});
