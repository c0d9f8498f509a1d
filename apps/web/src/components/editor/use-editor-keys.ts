"use client";
// The editor's page-wide keys (Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y / Ctrl+S, not while typing in a
// field, whose own undo applies) and the leave warning while there are unsaved changes.
import { useEffect, useRef } from "react";

export function useEditorKeys(dirty: boolean, actions: { undo: () => void; redo: () => void; save: () => void }): void {
  // The latest callbacks, without re-binding the listener on every render.
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))) return;
      if (!(e.ctrlKey || e.metaKey)) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) {
        e.preventDefault();
        latest.current.undo();
      } else if ((key === "z" && e.shiftKey) || key === "y") {
        e.preventDefault();
        latest.current.redo();
      } else if (key === "s") {
        e.preventDefault();
        latest.current.save();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
