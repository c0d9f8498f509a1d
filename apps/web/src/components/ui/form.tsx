"use client";
// Form controls: inputs, selects, a labelled field that describes its control, a switch.
import { createContext, forwardRef, useContext, useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from "react";
import { cx, useFocused } from "./basics";

export const inputClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 placeholder:text-slate-400 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100 disabled:bg-slate-50";

/** A control whose field is in error (Input, Select). */
const invalidClass = "border-red-400 focus:border-red-500 focus:ring-red-100";

export const Input = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement> & { invalid?: boolean }>(function Input(
  { className, invalid, "aria-describedby": describedBy, ...rest },
  ref,
) {
  const field = useFieldOf(rest.id);
  const bad = invalid || field.invalid;
  return (
    <input
      ref={ref}
      aria-invalid={bad || undefined}
      aria-describedby={cx(describedBy, field.notes) || undefined}
      className={cx(inputClass, bad && invalidClass, className)}
      {...rest}
    />
  );
});

export function Select({ className, children, "aria-describedby": describedBy, ...rest }: SelectHTMLAttributes<HTMLSelectElement>) {
  const field = useFieldOf(rest.id);
  return (
    <select
      aria-invalid={field.invalid || undefined}
      aria-describedby={cx(describedBy, field.notes) || undefined}
      className={cx(inputClass, "pr-8", field.invalid && invalidClass, className)}
      {...rest}
    >
      {children}
    </select>
  );
}

/** What a Field tells the control it labels: the ids of its error and help below (error first), and whether it is in error. */
interface FieldNote {
  controlId?: string;
  notes?: string;
  invalid: boolean;
}
const FieldContext = createContext<FieldNote>({ invalid: false });

/** The Field's note for the control with this id (the one its label is for); nothing for any other. */
function useFieldOf(id: string | undefined): FieldNote {
  const field = useContext(FieldContext);
  return id !== undefined && field.controlId === id ? field : { invalid: false };
}

/** A labelled form row: label, the control, then the error for it and its help. */
export function Field({
  label,
  htmlFor,
  help,
  error,
  required,
  children,
}: {
  label: ReactNode;
  htmlFor?: string;
  help?: ReactNode;
  error?: string;
  required?: boolean;
  children: ReactNode;
}) {
  // The error and the help describe the control the label is for, the error first, and an error makes
  // it invalid: a screen reader says them on reaching it (Input and Select read them from here). The
  // help stays with the error: it says how to fill in what the error says is wrong.
  const id = useId();
  const errorId = `${id}-error`;
  const helpId = `${id}-help`;
  const note: FieldNote = { controlId: htmlFor, notes: cx(error && errorId, help ? helpId : undefined) || undefined, invalid: !!error };
  return (
    <div className="space-y-1">
      <label htmlFor={htmlFor} className="block text-sm font-medium text-slate-700">
        {label}
        {required && <span className="ml-0.5 text-red-500">*</span>}
      </label>
      <FieldContext.Provider value={note}>{children}</FieldContext.Provider>
      {error && (
        <p id={errorId} role="alert" className="text-xs text-red-700">
          {error}
        </p>
      )}
      {help ? (
        <p id={helpId} className="text-xs text-slate-500">
          {help}
        </p>
      ) : null}
    </div>
  );
}


export function Switch({
  checked,
  onChange,
  label,
  disabled,
}: {
  checked: boolean;
  onChange: (value: boolean) => void;
  label: string;
  disabled?: boolean;
}) {
  // Not disabled while focused (see Button): toggled with Space, it keeps the focus while it saves.
  const focused = useFocused<HTMLButtonElement>();
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      title={label}
      disabled={disabled && !focused.is}
      aria-disabled={disabled && focused.is ? true : undefined}
      onFocus={focused.onFocus}
      onBlur={focused.onBlur}
      onClick={() => {
        if (!disabled) onChange(!checked);
      }}
      className={cx(
        "relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 disabled:cursor-not-allowed disabled:opacity-40 aria-disabled:cursor-not-allowed aria-disabled:opacity-40",
        checked ? "bg-brand-600" : "bg-slate-300",
      )}
    >
      <span className={cx("inline-block h-4 w-4 rounded-full bg-white shadow transition-transform", checked ? "translate-x-4" : "translate-x-0.5")} />
    </button>
  );
}
