// Which form a target node writes: the one it names, else its API's first. The compiler checks the
// choice against the catalog (compile/target.ts); @qiao/db reads it from a stored definition to
// tell whether a new version switched the target. One choice, so both mean the same form.

/**
 * The node's form among its API's forms (`forms`, in the connector's order): the one named by
 * `formId`, or the first when the node names none. Undefined when the named form is not among them,
 * or the API has none.
 */
export function pickTargetForm<Form extends { formId: string }>(formId: string | undefined, forms: readonly Form[]): Form | undefined {
  if (formId === undefined) return forms[0];
  return forms.find((f) => f.formId === formId);
}
