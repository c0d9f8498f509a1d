"use client";
// A destructive action behind a confirmation dialog (delete a connection or scheme, revoke a
// token): which item is being confirmed, the mutation, and the props ConfirmDialog needs.
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useRef, useState } from "react";

const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * After the item is gone: the dialog gave the focus back to what opened it (the row's 删除), and the
 * list's refetch removed that row, leaving the focus on <body> (the next Tab starts from the top;
 * session 33's audit). The focus goes to the list the row was in (its first control), else to the
 * page's main region. Nothing moves when the focus is still somewhere on the page.
 */
function keepFocusNear(list: Element | null): void {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  const next = list?.isConnected ? list.querySelector<HTMLElement>(FOCUSABLE) : null;
  (next ?? document.getElementById("main"))?.focus();
}

export function useConfirmedAction<T extends { id: string }>(action: (id: string) => Promise<unknown>, invalidate: QueryKey) {
  const qc = useQueryClient();
  const [target, setTarget] = useState<T | null>(null);
  /** The list holding what had the focus when the item was asked about (its row's button). */
  const origin = useRef<Element | null>(null);
  const mutation = useMutation({
    mutationFn: action,
    onSuccess: async () => {
      setTarget(null);
      await qc.invalidateQueries({ queryKey: invalidate });
      requestAnimationFrame(() => keepFocusNear(origin.current));
    },
  });
  return {
    /** The item waiting for confirmation. */
    target,
    ask: (item: T | null) => {
      origin.current = document.activeElement?.closest("table, ul, ol, [role=list], section") ?? null;
      setTarget(item);
    },
    dialog: {
      open: target !== null,
      busy: mutation.isPending,
      error: mutation.error?.message,
      onConfirm: () => target && mutation.mutate(target.id),
      onClose: () => {
        setTarget(null);
        mutation.reset();
      },
    },
  };
}
