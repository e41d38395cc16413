// Student notes for one unit, shown in the co-assess tab. Off by default (co-assess keeps counts);
// either partner may turn them on. They are stored apart from the unit plan: only the unit's
// members see them, they are left out of every export and report, and each can be deleted for
// good.
import { api, type StudentNote } from "../api";
import { h, toast } from "./dom";

export class StudentNotesPanel {
  readonly element = h("section", { class: "cp-student-notes", "aria-labelledby": "student-notes-head" });
  private enabled = false;
  private notes: StudentNote[] = [];

  constructor(private unitId: string, private nameOf: (id: number) => string) {
    void this.load();
  }

  private async load() {
    try {
      const r = await api.studentNotes(this.unitId);
      this.enabled = r.enabled;
      this.notes = r.notes;
    } catch {
      // offline: the panel says so below
    }
    this.render();
  }

  private render() {
    const head = h("h3", { id: "student-notes-head" }, "Notes about individual students");
    const toggle = h("input", { type: "checkbox", id: "student-notes-on", "data-action": "student-notes-toggle", checked: this.enabled });
    toggle.addEventListener("change", async () => {
      if (!toggle.checked && this.notes.length &&
          !confirm("Turning notes off keeps the notes you have. Delete them with “Delete all notes for good”. Turn off anyway?")) {
        toggle.checked = true;
        return;
      }
      const r = await api.setStudentNotes(this.unitId, toggle.checked);
      this.enabled = r.enabled;
      this.notes = r.notes;
      this.render();
    });
    const parts: (Node | string)[] = [
      head,
      h("p", { class: "cp-help" },
        "Co-assess keeps counts. If you need notes about particular students, keep them here: only the partners in this unit can see them, " +
        "they never go into an export, the collaboration log or any report, and deleting one removes it for good."),
      h("label", { for: "student-notes-on", class: "cp-toggle" }, toggle, " Keep student notes for this unit"),
    ];
    if (this.enabled) {
      const input = h("textarea", { id: "student-note-text", rows: 2, maxlength: 4000, "aria-label": "New student note" });
      const add = h("button", { type: "button", class: "secondary", "data-action": "add-student-note" }, "Add note");
      add.addEventListener("click", async () => {
        if (!input.value.trim()) return;
        const { note } = await api.addStudentNote(this.unitId, input.value);
        this.notes.push(note);
        this.render();
      });
      parts.push(
        h("ul", { class: "cp-note-list", "aria-label": "Student notes" },
          ...this.notes.map((n) =>
            h("li", { "data-note": n.id },
              h("span", {}, n.text),
              h("span", { class: "cp-comment-time" }, `${this.nameOf(n.author)}, ${new Date(n.createdAt).toLocaleDateString()}`),
              h("button", {
                type: "button", class: "link", "data-action": "delete-student-note",
                onclick: async () => {
                  if (!confirm("Delete this note for good? It cannot be brought back.")) return;
                  const r = await api.deleteStudentNote(this.unitId, n.id);
                  this.notes = r.notes;
                  this.render();
                  toast("Note deleted for good.");
                },
              }, "Delete for good")))),
        input, add,
        this.notes.length
          ? h("button", {
              type: "button", class: "secondary", "data-action": "delete-all-student-notes",
              onclick: async () => {
                if (!confirm(`Delete all ${this.notes.length} notes for good? They cannot be brought back.`)) return;
                const r = await api.deleteStudentNotes(this.unitId);
                this.notes = r.notes;
                this.render();
                toast("All student notes deleted for good.");
              },
            }, "Delete all notes for good")
          : "",
      );
    }
    this.element.replaceChildren(...parts);
  }
}
