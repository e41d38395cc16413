// The unit page's Reflect tab. The fourth phase has no sections of the plan: its work is the
// partners' reflection on the unit (and the check-ins after lessons), which has its own page. The
// tab says what reflecting is, where the reflection stands for each partner, and links to it.
import { api, type ReflectionList } from "../api";
import { h } from "./dom";

export class ReflectTab {
  readonly element: HTMLElement;
  private readonly state = h("p", { class: "cp-reflect-state" });
  private loads = 0;

  constructor(
    private readonly unitId: string,
    private readonly me: () => number,
    private readonly nameOf: (id: number) => string,
    /** True while the unit is in the reflect phase. */
    private readonly reflecting: () => boolean,
    navigate: (path: string) => void,
  ) {
    const path = `/unit/${unitId}/reflect`;
    this.element = h("section", { class: "cp-section", "aria-labelledby": "sec-reflect-together", "data-section": "reflect" },
      h("div", { class: "cp-section-head" }, h("h2", { id: "sec-reflect-together" }, "Reflect together")),
      h("p", { class: "cp-help" },
        "When the unit has been taught and assessed, each of you answers a few questions about how the collaboration went. " +
        "Your answers stay private until both of you have submitted; then you see them side by side, agree on how closely you worked, " +
        "and what you would do next time comes with you into your next unit. After a lesson you can also check in on it together."),
      this.state,
      h("p", {}, h("a", { href: path, class: "cp-button-link", "data-action": "open-reflection",
        onclick: (e: Event) => { e.preventDefault(); navigate(path); } }, "Go to the reflection page")),
    );
  }

  /** Asks the server where the reflection stands (when the tab is shown, and when the phase changes). */
  async refresh(): Promise<void> {
    const n = ++this.loads;
    let list: ReflectionList;
    try {
      list = await api.reflections(this.unitId);
    } catch {
      return; // offline: keep what the tab said
    }
    if (n !== this.loads) return;
    const r = list.reflections.find((x) => x.kind === "unit");
    const checkins = list.reflections.filter((x) => x.kind === "checkin").length;
    let text: string;
    if (!r)
      text = this.reflecting()
        ? "Your reflection is being set up. Open the reflection page to start it."
        : "Your reflection opens when the unit moves to Reflect.";
    else if (r.state === "revealed") text = "You have both submitted: your answers are on the reflection page, side by side.";
    else {
      const partners = r.partners.filter((p) => p.user !== this.me())
        .map((p) => `${this.nameOf(p.user)} ${p.submitted ? "has submitted" : "has not submitted yet"}`);
      text = `${r.me.submitted ? "You have submitted your reflection" : "Your reflection is waiting for your answers"}. ${partners.join("; ")}${partners.length ? "." : ""}`;
    }
    if (checkins) text += ` ${checkins} lesson check-in${checkins === 1 ? "" : "s"} so far.`;
    this.state.textContent = text;
  }
}
