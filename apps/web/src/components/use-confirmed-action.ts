"use client";
// A destructive action behind a confirmation dialog (delete a connection or scheme, revoke a
// token): which item is being confirmed, the mutation, and the props ConfirmDialog needs.
import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useState } from "react";

export function useConfirmedAction<T extends { id: string }>(action: (id: string) => Promise<unknown>, invalidate: QueryKey) {
  const qc = useQueryClient();
  const [target, setTarget] = useState<T | null>(null);
  const mutation = useMutation({
    mutationFn: action,
    onSuccess: () => {
      setTarget(null);
      void qc.invalidateQueries({ queryKey: invalidate });
    },
  });
  return {
    /** The item waiting for confirmation. */
    target,
    ask: setTarget,
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
