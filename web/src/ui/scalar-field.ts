// Scalar fields (short text, whole numbers, dates, choices) as native, labelled form controls.
// A change is sent as a `set` command; values the partner sets arrive through the structure and
// replace the shown value unless this control has the focus.
import type { UnitConnection } from "../sync/unit-connection";
import { h, uid } from "./dom";

export interface FieldSpec {
  id: string;
  label: string;
  kind: string;
  help?: string;
  options?: string;
  min?: number;
  max?: number;
  phase?: string;
  segment?: string;
  list?: string;
  view?: string;
}

export interface ScalarControl {
  element: HTMLElement;
  update(value: unknown): void;
}

export function scalarField(
  conn: UnitConnection,
  block: string,
  spec: FieldSpec,
  choices: { id: string; label: string }[],
  label?: string,
): ScalarControl {
  const id = uid(`f-${spec.id}`);
  let control: HTMLInputElement | HTMLSelectElement;
  const send = (value: unknown) => conn.command({ op: "set", block, field: spec.id, value });
  if (spec.kind === "choice" || spec.kind === "member") {
    const select = h("select", { id, name: spec.id });
    select.append(h("option", { value: "" }, "— choose —"));
    for (const c of choices) select.append(h("option", { value: c.id }, c.label));
    select.addEventListener("change", () =>
      send(select.value === "" ? null : spec.kind === "member" ? Number(select.value) : select.value),
    );
    control = select;
  } else {
    const input = h("input", {
      id,
      name: spec.id,
      type: spec.kind === "integer" ? "number" : spec.kind === "date" ? "date" : "text",
      min: spec.kind === "integer" ? spec.min ?? 0 : undefined,
      max: spec.kind === "integer" ? spec.max : undefined,
      maxlength: spec.kind === "line" ? spec.max : undefined,
      inputmode: spec.kind === "integer" ? "numeric" : undefined,
      autocomplete: "off",
    });
    input.addEventListener("change", () => {
      if (spec.kind === "integer") {
        if (input.value === "") return send(null);
        const n = Number(input.value);
        if (!Number.isInteger(n) || n < (spec.min ?? 0) || (spec.max !== undefined && n > spec.max)) {
          input.setAttribute("aria-invalid", "true");
          return;
        }
        input.removeAttribute("aria-invalid");
        return send(n);
      }
      send(input.value === "" ? null : input.value);
    });
    control = input;
  }
  const element = h("div", { class: `cp-scalar cp-scalar-${spec.kind}` }, h("label", { for: id }, label ?? spec.label), control);
  return {
    element,
    update(value) {
      if (document.activeElement === control) return;
      const text = value === undefined || value === null ? "" : String(value);
      if (control.value !== text) control.value = text;
    },
  };
}
