// Partner colours: each member of a unit gets a distinct colour, by role first so the librarian
// and the teacher always look the same from unit to unit. Colours are used as light highlights
// under dark text (contrast stays well above WCAG AA) and as solid swatches in legends.
import type { Member } from "../sync/protocol";

const palette = ["teal", "violet", "amber", "rose", "sky"];

export function colorOf(members: Member[], userId: number): string {
  const librarians = members.filter((m) => m.role === "librarian");
  const others = members.filter((m) => m.role !== "librarian");
  const ordered = [...librarians, ...others];
  const i = ordered.findIndex((m) => m.id === userId);
  return palette[(i < 0 ? ordered.length : i) % palette.length];
}

export function roleLabel(role: string): string {
  return role === "librarian" ? "Librarian" : role === "teacher" ? "Teacher" : role;
}
