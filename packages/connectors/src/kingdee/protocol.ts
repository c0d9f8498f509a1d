// The answers of the K/3 Cloud WebAPI as ../../../../../shared/protocols/kingdee.md describes them,
// as zod schemas: every response is validated before the client reads a field of it.
import { z } from "zod";

export const SERVICE = {
  validateUser: "Kingdee.BOS.WebApi.ServicesStub.AuthService.ValidateUser",
  loginByAppSecret: "Kingdee.BOS.WebApi.ServicesStub.AuthService.LoginByAppSecret",
  logout: "Kingdee.BOS.WebApi.ServicesStub.AuthService.Logout",
  batchSave: "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.BatchSave",
  executeBillQuery: "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery",
  submit: "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Submit",
  audit: "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.Audit",
  /** 撤销: withdraws a bill's submission (审核中 → 创建). Not in the protocol docs; see ./audit.ts (reopenBills). */
  cancelAssign: "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.CancelAssign",
} as const;

export type ServiceName = (typeof SERVICE)[keyof typeof SERVICE];

/** MsgCode values the client acts on (the full list is in the protocol doc). */
export const MSG_CODE = { sessionLost: 1, callLimit: 14 } as const;
export const SESSION_LOST_MESSAGE = "会话信息已丢失，请重新登录";

export const loginResultSchema = z.object({
  LoginResultType: z.number(),
  Message: z.string().nullish(),
  KDSVCSessionId: z.string().nullish(),
  IsSuccessByAPI: z.boolean().nullish(),
  Context: z
    .object({
      SessionId: z.string().nullish(),
      DataCenterName: z.string().nullish(),
      UserName: z.string().nullish(),
    })
    .nullish(),
});
export type LoginResult = z.output<typeof loginResultSchema>;

const idSchema = z.union([z.number(), z.string()]);

export const responseStatusSchema = z.object({
  IsSuccess: z.boolean(),
  ErrorCode: z.number().nullish(),
  MsgCode: z.number().nullish(),
  Errors: z
    .array(
      z.object({
        FieldName: z.string().nullish(),
        Message: z.string().nullish(),
        DIndex: z.number().nullish(),
      }),
    )
    .nullish(),
  SuccessEntitys: z
    .array(
      z.object({
        Id: idSchema,
        Number: z.string().nullish(),
        DIndex: z.number().nullish(),
      }),
    )
    .nullish(),
});
export type ResponseStatus = z.output<typeof responseStatusSchema>;

/** BatchSave / Save / Submit / Audit: `{"Result":{"ResponseStatus":{…},"NeedReturnData":[…]}}`. */
export const saveResponseSchema = z.object({
  Result: z.object({ ResponseStatus: responseStatusSchema, NeedReturnData: z.unknown().optional() }),
});

/** ExecuteBillQuery answers bare rows; errors arrive wrapped as `[[{"Result":{"ResponseStatus":…}}]]`. */
export const billQueryRowsSchema = z.array(z.array(z.unknown()));

const envelopeSchema = z.object({ Result: z.object({ ResponseStatus: responseStatusSchema }) });

/**
 * The ResponseStatus of an answer if it carries a failed one, in either of the two places Kingdee
 * puts it (a save's `Result`, or the first cell of an ExecuteBillQuery's wrapped error).
 */
export function failedStatusOf(body: unknown): ResponseStatus | undefined {
  const candidate = envelopeCandidate(body);
  // A status that says IsSuccess: true is no failure whether or not the rest validates: most answers
  // are such, and validating copies each of a BatchSave's SuccessEntitys (issue #16).
  if (rawStatus(candidate)?.IsSuccess === true) return undefined;
  const parsed = envelopeSchema.safeParse(candidate);
  if (!parsed.success || parsed.data.Result.ResponseStatus.IsSuccess) return undefined;
  return parsed.data.Result.ResponseStatus;
}

function envelopeCandidate(body: unknown): unknown {
  return Array.isArray(body) && Array.isArray(body[0]) ? body[0][0] : body;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `Result.ResponseStatus` of an answer as it came, not validated. */
function rawStatus(candidate: unknown): Record<string, unknown> | undefined {
  const result = isRecord(candidate) ? candidate.Result : undefined;
  const status = isRecord(result) ? result.ResponseStatus : undefined;
  return isRecord(status) ? status : undefined;
}

/**
 * Rewrites, in place, every Errors[].Message of the answer's ResponseStatus with `clean`: the
 * callers turn these messages into error texts and record outcomes.
 */
export function scrubFailure(body: unknown, clean: (message: string) => string): void {
  const errors = rawStatus(envelopeCandidate(body))?.Errors;
  if (!Array.isArray(errors)) return;
  for (const error of errors) {
    if (isRecord(error) && typeof error.Message === "string") error.Message = clean(error.Message);
  }
}

export function firstErrorMessage(status: ResponseStatus): string {
  return status.Errors?.find((e) => e.Message)?.Message ?? `金蝶返回失败（MsgCode ${status.MsgCode ?? "?"}）`;
}

export function isSessionLost(status: ResponseStatus): boolean {
  return status.MsgCode === MSG_CODE.sessionLost || (status.Errors ?? []).some((e) => e.Message?.includes(SESSION_LOST_MESSAGE));
}
