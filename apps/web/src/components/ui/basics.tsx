"use client";
// The building blocks every page uses: buttons, badges, cards, alerts, page headers, "load more".
import {
  forwardRef,
  useCallback,
  useEffect,
  useRef,
  useState,
  type ButtonHTMLAttributes,
  type FocusEvent,
  type FocusEventHandler,
  type HTMLAttributes,
  type ReactNode,
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

/**
 * Whether the element has the focus, for controls that must not be `disabled` while focused (the
 * browser would drop the focus on <body>); calls the caller's own handlers too.
 */
export function useFocused<E extends Element>(onFocus?: FocusEventHandler<E>, onBlur?: FocusEventHandler<E>) {
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
