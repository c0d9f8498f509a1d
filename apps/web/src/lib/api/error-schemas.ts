// What a refused request answers (re-exported by ./schemas.ts): one closed set of error codes, and
// the issues (field paths, template offsets, nodes) a person fixes the request by.
import { z } from "zod";

export const API_ERROR_CODES = [
  "bad_request",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "scheme_busy",
  "payload_too_large",
  "too_many_requests",
  "upstream_failed",
  "internal",
] as const;

export const apiIssueSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  messageEn: z.string().optional(),
  /** Offsets into the template the issue is about (editor highlighting). */
  start: z.number().int().optional(),
  end: z.number().int().optional(),
  nodeId: z.string().optional(),
  field: z.string().optional(),
  severity: z.enum(["error", "warning"]).optional(),
});
export type ApiIssue = z.infer<typeof apiIssueSchema>;

/** An issue's text in the reader's language (zh-CN always present, English when the server had it). */
export const issueText = (issue: ApiIssue, en: boolean): string => (en ? (issue.messageEn ?? issue.message) : issue.message);

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    issues: z.array(apiIssueSchema).optional(),
  }),
});
