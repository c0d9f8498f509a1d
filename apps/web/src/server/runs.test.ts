import { message } from "@qiao/core";
import { describe, expect, test } from "vitest";
import { runLogText } from "./runs";

describe("runLogText", () => {
  const line = { message: "第 1 批：写入 5 条", data: { batch: 1, written: 5, failed: 0, unknown: 0, message: message("write.batch", { batch: 1, written: 5, failed: 0, unknown: 0, firstError: "", checkAt: "" }) } };

  test("a line with a message code is rendered in the caller's language", () => {
    expect(runLogText(line, "zh-CN")).toBe("第 1 批：写入 5 条");
    expect(runLogText(line, "en")).toBe("Batch 1: 5 written");
  });

  test("a line stored before message codes keeps its texts: zh-CN, and English from data.messageEn", () => {
    const old = { message: "开始运行（方案第 1 版）", data: { messageEn: "Run started (scheme version 1)" } };
    expect(runLogText(old, "zh-CN")).toBe("开始运行（方案第 1 版）");
    expect(runLogText(old, "en")).toBe("Run started (scheme version 1)");
    expect(runLogText({ message: "只有中文", data: null }, "en")).toBe("只有中文");
  });
});
