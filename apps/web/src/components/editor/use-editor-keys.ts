"use client";
// The editor's page-wide keys (Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y / Ctrl+S, not while typing in a
// field, whose own undo applies) and the leave warning while there are unsaved changes.
import { useEffect, useRef } from "react";
import { useT } from "@/lib/i18n/client";

/** Whether a key pressed on `target` goes to a field (whose own undo, Backspace and Delete apply). */
export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export function useEditorKeys(dirty: boolean, actions: { undo: () => void; redo: () => void; save: () => void }): void {
  const t = useT();
  // The latest callbacks, without re-binding the listener on every render.
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });

  const leaveWarning = t("editor.leaveWarning");
  useEffect(() => {
    if (!dirty) return;
    // Once the person has said to leave, a page load that follows does not ask again.
    let leaving = false;
    const warn = (e: BeforeUnloadEvent) => {
      if (leaving) return;
      e.preventDefault();
      e.returnValue = "";
    };
    const stay = () => {
      leaving = window.confirm(leaveWarning);
      return !leaving;
    };
    // A link of the app (the header's ← 集成方案, the navigation bar) changes the page without
    // unloading it, so beforeunload never asks: asked here, in the capture phase, before Next's <Link>
    // takes the click. A new tab (Ctrl/⌘/Shift-click, target) or another site leaves nothing.
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const link = e.target instanceof Element ? e.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || (link.target !== "" && link.target !== "_self") || link.hasAttribute("download")) return;
      const to = new URL(link.href, window.location.href);
      if (to.origin !== window.location.origin || (to.pathname === window.location.pathname && to.search === window.location.search)) return;
      if (stay()) {
        e.preventDefault();
        e.stopPropagation();
      }
    };
    // The browser's Back / Forward within the app: the Navigation API lets the traversal be cancelled
    // before it happens (where the browser offers it; elsewhere it goes without asking, as before).
    const onNavigate = (e: Event) => {
      if ((e as Event & { navigationType?: string }).navigationType === "traverse" && e.cancelable && stay()) e.preventDefault();
    };
    const navigation = (window as Window & { navigation?: EventTarget }).navigation;
    window.addEventListener("beforeunload", warn);
    document.addEventListener("click", onClick, true);
    navigation?.addEventListener("navigate", onNavigate);
    return () => {
      window.removeEventListener("beforeunload", warn);
      document.removeEventListener("click", onClick, true);
      navigation?.removeEventListener("navigate", onNavigate);
    };
  }, [dirty, leaveWarning]);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (isTyping(e.target)) return;
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
