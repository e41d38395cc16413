// A gentle check for co-assess text that seems to name students. Co-assess keeps counts; notes
// about individual students belong in the unit's student notes (members only, deletable), not in
// the shared plan that exports and reports are made from. The check is a heuristic: it looks for
// capitalised words in the middle of a sentence that are not common school words, and for a
// name followed by an initial ("Sam K."), and says which words made it think so.

const notNames = new Set([
  "I", "AASL", "English", "Spanish", "French", "Math", "Maths", "Science", "History", "Geography", "Art", "Music",
  "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
  "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
  "Google", "Docs", "Slides", "Canvas", "Internet", "Library", "OK", "Grade", "Unit", "Lesson", "Stage", "Co-plan", "Co-teach", "Co-assess",
]);

/** Words in `text` that look like students' names (empty when none). */
export function possibleStudentNames(text: string): string[] {
  const found = new Set<string>();
  // A name followed by an initial, anywhere: "Sam K." / "Maria L".
  for (const m of text.matchAll(/\b([A-Z][a-z]+)\s+[A-Z]\.(?=\s|$|,)/g)) if (!notNames.has(m[1])) found.add(m[1]);
  // Capitalised words that do not start a sentence or a line.
  for (const m of text.matchAll(/(^|[.!?:;\n]\s*|\S\s+)([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b/g)) {
    const before = m[1];
    const sentenceStart = before === "" || /[.!?:;\n]\s*$/.test(before);
    if (sentenceStart || notNames.has(m[2])) continue;
    found.add(m[2]);
  }
  // A possessive at the start of a sentence: "Sam's project…".
  for (const m of text.matchAll(/(?:^|[.!?]\s+)([A-Z][a-z]+)'s\b/g)) if (!notNames.has(m[1])) found.add(m[1]);
  return [...found];
}
