"use client";
// The few building blocks every page uses: buttons, fields, badges, a confirm dialog, a switch.
import {
  createContext,
  forwardRef,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type FocusEvent,
  type FocusEventHandler,
  type HTMLAttributes,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from "react";
import { useT } from "@/lib/i18n/client";

type Variant = "primary" | "secondary" | "danger" | "ghost";
const VARIANTS: Record<Variant, string> = {
  primary: "bg-brand-600 text-white hover:bg-brand-700 shadow-sm",
  secondary: "bg-white text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 shadow-sm",
  danger: "bg-red-600 text-white hover:bg-red-700 shadow-sm",
  ghost: "text-slate-600 hover:bg-slate-100",
};

export function cx(...classes: (string | false | null | undefined)[]): string {
  return classes.filter(Boolean).join(" ");
}

export const Button = forwardRef<
  HTMLButtonElement,
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; size?: "sm" | "md"; busy?: boolean }
>(function Button({ variant = "secondary", size = "md", busy, className, children, disabled, type = "button", onClick, onFocus, onBlur, ...rest }, ref) {
  // Busy is not disabled: a disabled button drops the keyboard focus (to <body>) the moment it is
  // pressed. It stays focusable, says it is busy and unavailable, and ignores presses meanwhile.
  // Nor is a button disabled while it has the focus (session 33's audit: 保存 once saved, 查看 once
  // shown, 重试 while pending): it says it is unavailable and ignores presses until the focus leaves.
  const focused = useFocused(onFocus, onBlur);
  const unavailable = !!busy || !!disabled;
  return (
    <button
      ref={ref}
      type={type}
      disabled={disabled && !focused.is}
      aria-busy={busy || undefined}
      aria-disabled={unavailable && (busy || focused.is) ? true : undefined}
      onFocus={focused.onFocus}
      onBlur={focused.onBlur}
      onClick={(e) => {
        if (unavailable) {
          e.preventDefault();
          return;
        }
        onClick?.(e);
      }}
      className={cx(
        "inline-flex items-center justify-center gap-1.5 rounded-lg font-medium transition-colors focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 disabled:cursor-not-allowed disabled:opacity-50 aria-disabled:cursor-not-allowed aria-disabled:opacity-50",
        size === "sm" ? "px-2.5 py-1 text-xs" : "px-3.5 py-2 text-sm",
        VARIANTS[variant],
        className,
      )}
      {...rest}
    >
      {busy && <Spinner />}
      {children}
    </button>
  );
});

export function Spinner({ className }: { className?: string }) {
  return (
    <span
      aria-hidden
      className={cx("inline-block h-3.5 w-3.5 animate-spin rounded-full border-2 border-current border-r-transparent", className)}
    />
  );
}

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

/**
 * Whether the element has the focus, for controls that must not be `disabled` while focused (the
 * browser would drop the focus on <body>); calls the caller's own handlers too.
 */
function useFocused<E extends Element>(onFocus?: FocusEventHandler<E>, onBlur?: FocusEventHandler<E>) {
  const [is, setIs] = useState(false);
  return {
    is,
    onFocus: (e: FocusEvent<E>) => {
      setIs(true);
      onFocus?.(e);
    },
    onBlur: (e: FocusEvent<E>) => {
      // The window losing the focus (another tab or application) blurs the element too, but it stays
      // the page's active element, to have the focus back with the window: it keeps it for us as well
      // (made `disabled` meanwhile, it would lose it).
      if (e.currentTarget.ownerDocument.activeElement !== e.currentTarget) setIs(false);
      onBlur?.(e);
    },
  };
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

const TONES = {
  slate: "bg-slate-100 text-slate-700 ring-slate-200",
  blue: "bg-brand-50 text-brand-700 ring-brand-100",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  red: "bg-red-50 text-red-700 ring-red-200",
} as const;
export type Tone = keyof typeof TONES;

export function Badge({ tone = "slate", children, className, ...rest }: HTMLAttributes<HTMLSpanElement> & { tone?: Tone }) {
  return (
    <span className={cx("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", TONES[tone], className)} {...rest}>
      {children}
    </span>
  );
}

export function Card({ children, className }: { children: ReactNode; className?: string }) {
  return <div className={cx("rounded-xl bg-white shadow-sm ring-1 ring-slate-200", className)}>{children}</div>;
}

export function Alert({ tone = "red", children }: { tone?: "red" | "amber" | "green" | "blue"; children: ReactNode }) {
  const styles = {
    red: "bg-red-50 text-red-800 ring-red-200",
    amber: "bg-amber-50 text-amber-900 ring-amber-200",
    green: "bg-emerald-50 text-emerald-800 ring-emerald-200",
    blue: "bg-brand-50 text-brand-700 ring-brand-100",
  }[tone];
  return (
    <div role={tone === "red" ? "alert" : "status"} className={cx("rounded-lg px-3 py-2 text-sm ring-1 ring-inset", styles)}>
      {children}
    </div>
  );
}

/** A modal on the native <dialog> (focus trap, Esc and the top layer for free). */
export function Modal({
  open,
  onClose,
  title,
  children,
  footer,
  wide,
}: {
  open: boolean;
  onClose: () => void;
  title: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  // close() gives focus back to what opened the dialog; a dialog unmounted while open does it here.
  useEffect(() => {
    const dialog = ref.current;
    return () => {
      if (dialog?.open && opener.current?.isConnected) opener.current.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      // The `close` event is a task queued by close(): a dialog opened again before it arrives (a
      // quick Escape then Enter on a busy machine) is open, and the late event is not its closing.
      onClose={(e) => {
        if (!e.currentTarget.open) onClose();
      }}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className={cx(
        "m-auto w-full rounded-2xl bg-white p-0 text-slate-800 shadow-xl backdrop:bg-slate-900/40",
        wide ? "max-w-2xl" : "max-w-md",
      )}
    >
      {open && (
        <div className="flex max-h-[85vh] flex-col">
          <div className="border-b border-slate-100 px-6 py-4">
            <h2 id={titleId} className="text-base font-semibold text-slate-900">{title}</h2>
          </div>
          <div className="overflow-y-auto px-6 py-5">{children}</div>
          {footer && <div className="flex justify-end gap-2 border-t border-slate-100 px-6 py-3">{footer}</div>}
        </div>
      )}
    </dialog>
  );
}

export function ConfirmDialog({
  open,
  title,
  message,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  /** Why the action failed (e.g. 409: still in use), shown under the message. */
  error?: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const t = useT();
  return (
    <Modal
      open={open}
      onClose={onClose}
      title={title}
      footer={
        <>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button variant="danger" busy={busy} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div className="text-sm text-slate-600">{message}</div>
      {error && (
        <div className="mt-3">
          <Alert>{error}</Alert>
        </div>
      )}
    </Modal>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
      <p className="font-medium text-slate-700">{title}</p>
      {children && <div className="mt-3 text-sm text-slate-500">{children}</div>}
    </div>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-slate-500">{subtitle}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

/** A copy of `set` with `item` added, or removed if it was there (row selection, expanded rows). */
export function toggledIn<T>(set: ReadonlySet<T>, item: T): Set<T> {
  const next = new Set(set);
  if (next.has(item)) next.delete(item);
  else next.add(item);
  return next;
}

/**
 * "Load more" under a keyset-paged list, while there is a next page. When the page it fetched was the
 * last, the button goes: if it had the keyboard's focus, a note "all loaded" takes it (focus is not
 * dropped on <body>).
 */
export function LoadMore({ query, label }: { query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }; label: string }) {
  const t = useT();
  const button = useRef<HTMLButtonElement>(null);
  // Pressed with the focus on it ("asked"), its page being fetched ("fetching"); kept while that page
  // was the last (the note shows), dropped when more are left (the button keeps the focus).
  const [handOver, setHandOver] = useState<"asked" | "fetching" | null>(null);
  const { hasNextPage, isFetchingNextPage } = query;
  useEffect(() => {
    if (handOver === "asked" && isFetchingNextPage) setHandOver("fetching");
    else if (handOver === "fetching" && !isFetchingNextPage && hasNextPage) setHandOver(null);
  }, [handOver, hasNextPage, isFetchingNextPage]);
  const note = useCallback((el: HTMLParagraphElement | null) => el?.focus(), []);
  if (!hasNextPage) {
    return handOver !== null ? (
      <p
        ref={note}
        tabIndex={-1}
        onBlur={() => setHandOver(null)}
        className="mt-3 text-center text-xs text-slate-500 focus:outline-none"
        data-testid="load-more-done"
      >
        {t("common.allLoaded")}
      </p>
    ) : null;
  }
  return (
    <div className="mt-3 text-center">
      <Button
        ref={button}
        size="sm"
        onClick={() => {
          setHandOver(document.activeElement === button.current ? "asked" : null);
          void query.fetchNextPage();
        }}
        busy={query.isFetchingNextPage}
      >
        {label}
      </Button>
    </div>
  );
}
