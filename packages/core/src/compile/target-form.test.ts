import { describe, expect, it } from "vitest";
import { pickTargetForm } from "./target-form";

const customers = { formId: "BD_Customer" };
const suppliers = { formId: "BD_Supplier" };

describe("pickTargetForm", () => {
  it("picks the form the node names", () => {
    expect(pickTargetForm("BD_Supplier", [customers, suppliers])).toBe(suppliers);
  });

  it("picks the API's first form when the node names none", () => {
    expect(pickTargetForm(undefined, [customers, suppliers])).toBe(customers);
  });

  it("picks nothing for a form the API lacks, or an API without forms", () => {
    expect(pickTargetForm("BD_MATERIAL", [customers, suppliers])).toBeUndefined();
    expect(pickTargetForm("BD_Customer", [])).toBeUndefined();
    expect(pickTargetForm(undefined, [])).toBeUndefined();
  });
});
