import { describe, expect, it } from "vitest";
import { errorClassOfKind } from "../error-class";
import { kingdeeErrorClass } from "./error-class";

describe("which 金蝶 failures are retried automatically", () => {
  it("网控 conflicts, lost sessions and the call limit are transient", () => {
    expect(kingdeeErrorClass({ code: "13", ownErrors: [{ FieldName: null, Message: "网控冲突：客户 C001 正在被 张三 修改" }] })).toBe("transient");
    expect(kingdeeErrorClass({ code: "13", ownErrors: [] })).toBe("transient");
    expect(kingdeeErrorClass({ code: "14", ownErrors: [{ Message: "接口调用过于频繁" }] })).toBe("transient");
    expect(kingdeeErrorClass({ code: "1", ownErrors: [{ Message: "会话信息已丢失，请重新登录" }] })).toBe("transient");
    // Its own text says 网控 although the call's first error was a validation (MsgCode 11).
    expect(kingdeeErrorClass({ code: "11", ownErrors: [{ FieldName: null, Message: "网控冲突" }] })).toBe("transient");
  });

  it("required fields, missing base data, duplicate numbers and validation are data errors", () => {
    expect(kingdeeErrorClass({ code: "11", ownErrors: [{ FieldName: "FName", Message: "字段“客户名称”是必填项" }] })).toBe("data");
    expect(kingdeeErrorClass({ code: "9", ownErrors: [{ FieldName: "FCreateOrgId", Message: "基础资料 100 不存在" }] })).toBe("data");
    expect(kingdeeErrorClass({ code: "11", ownErrors: [{ FieldName: null, Message: "违反字段唯一性要求：编码唯一。[C1]在当前系统中已经被使用。" }] })).toBe("data");
    // A field-level complaint wins over the call's MsgCode (another record's 网控 came first).
    expect(kingdeeErrorClass({ code: "13", ownErrors: [{ FieldName: "FName", Message: "必填" }] })).toBe("data");
    // Ambiguous codes chosen as data (see error-class.ts).
    expect(kingdeeErrorClass({ code: "4", ownErrors: [{ Message: "对象引用未设置到对象的实例" }] })).toBe("data");
    expect(kingdeeErrorClass({ code: "6", ownErrors: [{ Message: "数据库操作失败" }] })).toBe("data");
  });

  it("a record 金蝶 said nothing of is transient; a later call's connector error is classified by its kind", () => {
    expect(kingdeeErrorClass({ code: "11", ownErrors: [] })).toBe("transient");
    expect(kingdeeErrorClass({ code: "network", ownErrors: [] })).toBe("transient");
    expect(kingdeeErrorClass({ code: "auth", ownErrors: [] })).toBe("data");
  });

  it("connector error kinds", () => {
    for (const kind of ["throttled", "network", "timeout", "server", "unknown_outcome"]) expect(errorClassOfKind(kind)).toBe("transient");
    for (const kind of ["auth", "request", "protocol"]) expect(errorClassOfKind(kind)).toBe("data");
  });
});
