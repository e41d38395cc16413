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

/** Announces a short message to screen readers and shows it briefly. */
export function toast(message: string, action?: { label: string; run: () => void }): void {
  let region = document.getElementById("toasts");
  if (!region) {
    region = h("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  const item = h("div", { class: "toast" }, h("span", {}, message));
  if (action) {
    item.append(
      h("button", { type: "button", class: "link", onclick: () => { action.run(); item.remove(); } }, action.label),
    );
  }
  region.append(item);
  setTimeout(() => item.remove(), action ? 10000 : 5000);
}
