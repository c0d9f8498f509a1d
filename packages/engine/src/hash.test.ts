// The payload's hash (what decides whether a record is written) and the JSON text the durable mark
// stores the payload from: the text is the payload's JSON value, and the hash is the one staging
// keeps (sha256 of the key-sorted text; with mapping errors, of the payload and its errors).
import { hash } from "node:crypto";
import { stableStringify } from "@qiao/core";
import { expect, it } from "vitest";
import { hashedPayload, payloadHash } from "./hash";

const short = (text: string) => hash("sha256", text, "buffer").subarray(0, 16).toString("base64url");

const PAYLOADS: Record<string, unknown>[] = [
  { FName: "北京旗舰店", FNumber: "TM000001", FCreateOrgId: "100", FUseOrgId: "100", FDescription: "" },
  { b: 1, a: 'q"uote\\ \n 😀', c: null, d: true, skipped: undefined },
  { FBillNo: "D1", FEntity: [{ FQty: 2, FMaterialId: "M1" }, { FQty: 0.5, FMaterialId: "M2", note: undefined }], FDate: new Date(Date.UTC(2026, 0, 2)) },
];

it("gives the payload's key-sorted JSON text, whose value is the payload's JSON value, and the hash of that text", () => {
  for (const payload of PAYLOADS) {
    const { hash: h, text } = hashedPayload(payload);
    expect(text).toBe(stableStringify(payload));
    expect(JSON.parse(text!)).toEqual(JSON.parse(JSON.stringify(payload)));
    expect(h).toBe(short(text!));
    expect(h).toBe(payloadHash(payload));
  }
});

it("with mapping errors, hashes the payload with its errors and gives no text (such a payload is never sent)", () => {
  const errors = [{ field: "FName", message: "名称为空", messageEn: "empty" }];
  const { hash: h, text } = hashedPayload(PAYLOADS[0]!, errors);
  expect(text).toBeUndefined();
  expect(h).toBe(short(stableStringify({ payload: PAYLOADS[0], errors })));
  expect(h).toBe(payloadHash(PAYLOADS[0]!, errors));
  expect(h).not.toBe(payloadHash(PAYLOADS[0]!));
});
