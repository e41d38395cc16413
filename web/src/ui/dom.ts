// A tiny element builder: h("div", {class: "x"}, child, "text"). Text is always set as text, never
// parsed as HTML, so stored content cannot inject markup.
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

let idCounter = 0;
export function uid(prefix: string): string {
  return `${prefix}-${++idCounter}`;
}

/** Something a toast offers to do (Undo). `focus` moves the keyboard focus to its button at once
 * (when what had focus has just gone away); `dismissed` runs when the toast is closed with Escape
 * while it has focus, to put focus somewhere sensible. */
export interface ToastAction {
  label: string;
  run: () => void;
  focus?: boolean;
  dismissed?: () => void;
}

/** Announces a short message to screen readers and shows it briefly: 5 s, or 10 s with an action.
 * A toast stays while it has the focus or the pointer, and goes a few seconds after they leave. */
export function toast(message: string, action?: ToastAction): void {
  let region = document.getElementById("toasts");
  if (!region) {
    region = h("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const messageId = uid("toast");
  const item = h("div", { class: "toast" }, h("span", { id: messageId }, message));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = () => {
    clearTimeout(timer);
    item.remove();
  };
  const held = () => item.contains(document.activeElement) || item.matches(":hover");
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => (held() ? undefined : close()), ms);
  };
  item.addEventListener("focusin", () => clearTimeout(timer));
  item.addEventListener("mouseenter", () => clearTimeout(timer));
  item.addEventListener("focusout", (e) => !item.contains(e.relatedTarget as Node | null) && !item.matches(":hover") && arm(4000));
  item.addEventListener("mouseleave", () => !item.contains(document.activeElement) && arm(4000));
  region.append(item);
  arm(action ? 10000 : 5000);
  if (!action) return;
  const button = h("button", { type: "button", class: "link", "aria-describedby": messageId, onclick: () => { action.run(); close(); } }, action.label);
  item.append(button);
  item.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    close();
    action.dismissed?.();
  });
  if (action.focus) button.focus();
}
