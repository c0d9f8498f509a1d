// DynamicFormService: Save, BatchSave, View, ExecuteBillQuery, Submit, Audit and CancelAssign (撤销) over the form
// registry. Arguments come in either body shape (`{"formid","data"}` or the legacy positional
// `parameters`); `data` may be an object or a JSON string; booleans may be strings.
import type { Session } from "./sessions";
import { QueryError } from "./document-query";
import type { Operation, OperationTarget } from "./documents";
import type { Form, FormRegistry } from "./forms";
import { argumentsOf, bool, failure, failureEnvelope, json, MSG, named, outcomeStatus, parseMaybeJson, responseStatus, type Answer } from "./http";
import { interactionFlags } from "./stock";

type Data = Record<string, unknown>;

const stringList = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** `queried` is told the form id of every ExecuteBillQuery that named a form the simulator has. */
export function formServices(forms: FormRegistry, queried: (formId: string) => void = () => undefined) {
  const unknownForm = (formId: string) => `业务对象“${formId}”不存在（模拟器只有 ${forms.ids.join("、")}）。`;

  /** `[formid, data]` in either body shape; `data` may be an object or a JSON string. */
  function formArguments(body: Data): { form: Form; data: Data } | Answer {
    const args = argumentsOf(body, ["formid", "data"]);
    if (!args) return json(failureEnvelope("parameters 应为 JSON 数组。", MSG.badParameter));
    const formId = typeof args[0] === "string" ? args[0] : "";
    const data = parseMaybeJson(args[1]);
    if (!formId) return json(failureEnvelope("表单ID（formid）不能为空。", MSG.emptyFormId));
    const form = forms.get(formId);
    if (!form) return json(failureEnvelope(unknownForm(formId), MSG.emptyFormId));
    if (!data || typeof data !== "object" || Array.isArray(data)) return json(failureEnvelope("data 应为 JSON 对象。", MSG.badParameter));
    return { form, data: data as Data };
  }

  function save(body: Data, batch: boolean): Answer {
    const args = formArguments(body);
    if ("status" in args) return args;
    const { form, data } = args;
    const model = data.Model;
    if (batch ? !Array.isArray(model) : !model || typeof model !== "object" || Array.isArray(model)) {
      return json(failureEnvelope(batch ? "BatchSave 的 Model 应为数组。" : "Save 的 Model 应为对象。", MSG.badParameter));
    }
    const result = form.save(batch ? (model as unknown[]) : [model], {
      needUpdateFields: stringList(parseMaybeJson(data.NeedUpDateFields)),
      verifyBaseData: bool(data.IsVerifyBaseDataField, false),
      validate: bool(data.ValidateFlag, true),
      autoSubmitAndAudit: bool(data.IsAutoSubmitAndAudit, false),
      deleteEntry: bool(data.IsDeleteEntry, true),
      interactionFlags: interactionFlags(data.InterationFlags),
    });
    const returnFields = stringList(parseMaybeJson(data.NeedReturnFields));
    const needReturnData = result.saved.map((r) => Object.fromEntries(returnFields.map((f) => [f, r[f] ?? null])));
    const status = outcomeStatus(result.successes, result.errors);
    if (batch) return json({ Result: { ResponseStatus: status, NeedReturnData: needReturnData } });
    const saved = result.successes[0];
    return json({ Result: { ResponseStatus: status, Id: saved?.Id ?? "", Number: saved?.Number ?? "", NeedReturnData: needReturnData } });
  }

  function view(body: Data, session: Session): Answer {
    const args = formArguments(body);
    if ("status" in args) return args;
    const number = named(args.data, "Number");
    const id = Number(named(args.data, "Id")) || 0;
    const target: OperationTarget | undefined = id ? { id } : typeof number === "string" && number !== "" ? { number } : undefined;
    const result = target && args.form.view(target, session.lcid);
    if (!result) return json(failureEnvelope("数据不存在或已被删除。", MSG.notFound));
    return json({ Result: { ResponseStatus: responseStatus([], [], 0), Result: result } });
  }

  /**
   * Submit / Audit / CancelAssign: `Ids` ("1,2" or an array) when given, else `Numbers`; one outcome per target,
   * DIndex its place in that list. `InterationFlags` (STK_InvCheckResult) reaches the audit.
   */
  function operate(body: Data, op: Operation): Answer {
    const args = formArguments(body);
    if ("status" in args) return args;
    const ids = named(args.data, "Ids");
    const idList = (Array.isArray(ids) ? ids : typeof ids === "string" ? ids.split(",") : typeof ids === "number" ? [ids] : [])
      .map((v) => Number(String(v).trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
    const numbers = parseMaybeJson(named(args.data, "Numbers"));
    const numberList = (Array.isArray(numbers) ? numbers : []).filter((n) => typeof n === "string" || typeof n === "number").map(String);
    const targets: OperationTarget[] = idList.length > 0 ? idList.map((id) => ({ id })) : numberList.map((number) => ({ number }));
    if (targets.length === 0) return json(failureEnvelope("Numbers 和 Ids 不能都为空。", MSG.badParameter));
    const result = args.form.operate(op, targets, interactionFlags(named(args.data, "InterationFlags")));
    return json({ Result: { ResponseStatus: outcomeStatus(result.successes, result.errors) } });
  }

  function executeBillQuery(body: Data): Answer {
    const args = argumentsOf(body, ["data"]);
    const data = args ? parseMaybeJson(args[0]) : undefined;
    if (!data || typeof data !== "object" || Array.isArray(data)) return failure("ExecuteBillQuery", "data 应为 JSON 对象。", MSG.badParameter);
    const formId = String(named(data as Data, "FormId") ?? "");
    const form = forms.get(formId);
    if (!form) return failure("ExecuteBillQuery", unknownForm(formId), MSG.emptyFormId);
    queried(form.formId);
    try {
      return json(form.query(data as Data));
    } catch (e) {
      if (e instanceof QueryError) return failure("ExecuteBillQuery", e.message, e.msgCode);
      throw e;
    }
  }

  return { save, view, operate, executeBillQuery };
}
