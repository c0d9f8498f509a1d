// Users, roles and API tokens at the REST boundary (re-exported by ./schemas.ts).
import { refuseHiddenCharacters, roleSchema } from "@qiao/core";
import { z } from "zod";
import { isoTime, uuid } from "./shared-schemas";

export { roleSchema };

// ---------------------------------------------------------------------------------------
// Users (admin only)

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: isoTime,
});
export type UserDto = z.infer<typeof userSchema>;
export const userListSchema = z.object({ users: z.array(userSchema) });

const userName = z.string().trim().min(1, "请填写姓名").max(100, "姓名最多 100 个字符").superRefine(refuseHiddenCharacters);
const password = z.string().min(8, "密码至少 8 个字符").max(128, "密码最多 128 个字符");

export const createUserBody = z.object({
  email: z.email("邮箱格式不正确").max(200).transform((e) => e.toLowerCase()),
  name: userName,
  password,
  role: roleSchema,
});
export const updateUserBody = z
  .object({ name: userName.optional(), role: roleSchema.optional(), password: password.optional() })
  .refine((b) => b.name !== undefined || b.role !== undefined || b.password !== undefined, {
    message: "请至少修改姓名、角色或密码中的一项",
    params: { messageEn: "Change at least one of the name, the role or the password" },
  });

// ---------------------------------------------------------------------------------------
// API tokens

export const apiTokenSchema = z.object({
  id: uuid,
  name: z.string(),
  /** The first characters, to tell tokens apart. */
  prefix: z.string(),
  /** The role chosen at creation; it acts with the lower of this and its owner's current role. */
  role: roleSchema,
  owner: z.object({ id: z.string(), email: z.string() }),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export type ApiTokenDto = z.infer<typeof apiTokenSchema>;

export const apiTokenListSchema = z.object({ tokens: z.array(apiTokenSchema) });
/** `scope=all` (admins only): every user's tokens, not just the caller's. */
export const apiTokensQuery = z.object({ scope: z.enum(["mine", "all"]).default("mine") });
export const createApiTokenBody = z.object({
  name: z.string().trim().min(1, "请填写令牌名称").max(100).superRefine(refuseHiddenCharacters),
  /** At most the caller's role; default: the caller's role. */
  role: roleSchema.optional(),
  /**
   * Omitted or null: the token does not expire. Created with a token that expires: at most that
   * token's expiry (omitted: the same; null or later: 403).
   */
  expiresAt: isoTime
    .refine((t) => Date.parse(t) > Date.now(), { message: "过期时间必须晚于现在", params: { messageEn: "The expiry must be later than now" } })
    .nullable()
    .optional(),
});
/** The token itself is returned only here, once. */
export const createdApiTokenSchema = z.object({ token: z.string(), apiToken: apiTokenSchema });
