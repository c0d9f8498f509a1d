// The API's errors in the caller's language: catalog messages are rendered per Accept-Language
// (zh-CN by default), so a script asking in English reads English and the UI reads Chinese.
import { message } from "@qiao/core";
import { SchemeBusyError, SchemeTargetBusyError } from "@qiao/db";
import { describe, expect, test } from "vitest";
import { errorResponse } from "./api";
import { ApiError } from "./errors";

async function answer(error: unknown, locale?: "zh-CN" | "en") {
  const res = errorResponse(error, locale);
  return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
}

describe("errorResponse", () => {
  test("a catalog message: zh-CN by default, English when asked", async () => {
    const error = new ApiError("forbidden", message("api.needsAdmin"));
    expect(await answer(error)).toEqual({ status: 403, body: { error: { code: "forbidden", message: "需要管理员权限", issues: [] } } });
    expect((await answer(error, "en")).body.error.message).toBe("This needs the admin role");
  });

  test("a scheme that is busy names the active run in the caller's language", async () => {
    const busy = new SchemeBusyError("s1", { id: "r1", status: "running", trigger: "manual" });
    expect(await answer(busy)).toMatchObject({ status: 409, body: { error: { code: "scheme_busy", message: "该集成方案已有运行中的任务（r1，running）：请等它结束或取消后再运行" } } });
    expect((await answer(busy, "en")).body.error.message).toBe("The scheme already has an active run (r1, running); wait for it or cancel it.");
  });

  test("a target switch refused while the scheme has a run is a 409 saying why (session 18)", async () => {
    const busy = new SchemeTargetBusyError("s1", "r1");
    const zh = await answer(busy);
    expect(zh).toMatchObject({ status: 409, body: { error: { code: "scheme_busy" } } });
    expect(zh.body.error.message).toContain("暂不能切换目标连接或表单");
    expect((await answer(busy, "en")).body.error.message).toContain("cannot be switched now");
  });

  test("an unexpected error is an internal error without its details, in either language", async () => {
    expect(await answer(new Error("secret detail"), "en")).toEqual({ status: 500, body: { error: { code: "internal", message: "Internal server error; try again later" } } });
  });
});
