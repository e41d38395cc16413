// PageContext: what the parts of an open unit page share: the connection, who is who, the
// template, and every mounted control so structure updates can reach them.
import type { UnitConnection } from "../sync/unit-connection";
import type { AuthorInfo } from "./authorship";
import { h, uid } from "./dom";
import { scalarField, type FieldSpec, type ScalarControl } from "./scalar-field";
import { mountTextField, type MountedField } from "./text-field";

export interface SectionSpec {
  id: string;
  label: string;
  help?: string;
  fields: FieldSpec[];
}

export interface Template {
  id: string;
  name: string;
  summary?: string;
  credit?: string;
  phases: { id: string; label: string; sections: SectionSpec[] }[];
  lists: Record<string, { label: string; fields: FieldSpec[] }>;
  unit_fields: FieldSpec[];
  choices: Record<string, { id: string; label: string }[]>;
}

export class PageContext {
  readonly texts = new Set<MountedField>();
  readonly scalars: { block: string; field: string; control: ScalarControl }[] = [];

  constructor(
    readonly conn: UnitConnection,
    readonly info: AuthorInfo,
    readonly template: Template,
  ) {}

  /** A labelled collaborative text field for stream `block.field`. */
  text(block: string, spec: FieldSpec, opts: { label?: string; singleLine?: boolean; placeholder?: string } = {}): HTMLElement {
    const stream = `${block}.${spec.id}`;
    const labelId = uid(`l-${spec.id}`);
    const helpId = spec.help ? uid(`h-${spec.id}`) : undefined;
    const wrap = h(
      "div",
      { class: "cp-text" },
      h("div", { class: "cp-label", id: labelId }, opts.label ?? spec.label),
      spec.help ? h("p", { class: "cp-help", id: helpId }, spec.help) : null,
    );
    const peer = this.conn.peers.get(stream);
    if (!peer) {
      wrap.append(h("p", { class: "cp-missing" }, "This field is not available yet."));
      return wrap;
    }
    const field = mountTextField(peer, this.info, {
      labelId,
      describedBy: helpId,
      singleLine: opts.singleLine,
      placeholder: opts.placeholder,
    });
    this.texts.add(field);
    wrap.append(field.element);
    (wrap as HTMLElement & { cpField?: MountedField }).cpField = field;
    return wrap;
  }

  /** A labelled scalar control for `block.field`. */
  scalar(block: string, spec: FieldSpec, label?: string): HTMLElement {
    const control = scalarField(this.conn, block, spec, this.choicesFor(spec), label);
    this.scalars.push({ block, field: spec.id, control });
    this.refreshScalar(block, spec.id, control);
    return control.element;
  }

  /** Unmounts every control inside `root` (when a lesson card goes away). */
  release(root: HTMLElement): void {
    for (const f of [...this.texts])
      if (root.contains(f.element)) {
        f.destroy();
        this.texts.delete(f);
      }
    for (let i = this.scalars.length - 1; i >= 0; i--)
      if (root.contains(this.scalars[i].control.element)) this.scalars.splice(i, 1);
  }

  refreshScalars(): void {
    for (const s of this.scalars) this.refreshScalar(s.block, s.field, s.control);
  }

  private refreshScalar(block: string, field: string, control: ScalarControl) {
    const values = block === "unit" ? this.conn.structure.view().values : this.conn.structure.block(block)?.values;
    control.update(values?.[field]);
  }

  /** Choices for a field: the template's list, or the unit's members for a member field. */
  choicesFor(spec: FieldSpec): { id: string; label: string }[] {
    if (spec.kind === "member") return this.conn.members.map((m) => ({ id: String(m.id), label: m.name }));
    return this.template.choices[spec.options ?? ""] ?? [];
  }

  destroy(): void {
    for (const f of this.texts) f.destroy();
    this.texts.clear();
    this.scalars.length = 0;
  }
}
