// Reflection after a unit (and check-ins after a lesson): the unit's reflection is waiting once the
// unit enters the reflect phase, with the default protocol, which either partner can change until
// one of them starts answering. Each partner answers privately, with prompts from the protocol and
// from this unit's record; answers can cite a section, a lesson or a moment in the history. When
// both have submitted, the answers appear side by side with both ratings of the collaboration and
// the facet the record suggests; the partners agree on one. "Now what?" lines become action items
// in their next unit (a lesson check-in's in this unit too). Drafts are kept in this browser until
// the server has them, and a draft written to a protocol that changed before it was saved stays on
// the page (reflection-drafts.ts).
import { api, ApiError, type Answer, type Evidence, type Reflection, type ReflectionList, type User } from "../api";
import type { Member } from "../sync/protocol";
import { colorOf } from "./colors";
import { h, toast, uid } from "./dom";
import { carriedFrom, ReflectionDrafts, type LocalDraft } from "./reflection-drafts";
import type { Template } from "./page-context";

export async function reflectPage(root: HTMLElement, unitId: string, user: User, navigate: (p: string) => void): Promise<() => void> {
  const main = h("main", { id: "main", class: "cp-unit cp-reflect" }, h("p", {}, "Opening the reflection…"));
  root.replaceChildren(
    h("header", { class: "cp-topbar" },
      h("a", { href: `/unit/${unitId}`, class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate(`/unit/${unitId}`); } }, "← Back to the unit"),
      h("span", { class: "cp-brand" }, "Coplan")),
    main,
  );
  const { unit } = await api.unit(unitId);
  const { template } = await api.template(unit.template);
  const t = template as Template;
  const timeline = await api.history(unitId);
  const now = await api.historyAt(unitId, timeline.ops);
  const members: Member[] = unit.members.map((m) => ({ id: m.id, name: m.name, role: m.role }));
  const nameOf = (id: number) => members.find((m) => m.id === id)?.name ?? "";
  const lessons = (now.structure.lists.lessons ?? []).filter((b) => !b.removed)
    .map((b, i) => ({ id: b.id, label: `Lesson ${i + 1}: ${now.streams[`${b.id}.title`]?.text || "untitled"}` }));
  const sections = t.phases.flatMap((p) => p.sections.map((s) => ({ id: s.id, label: `${p.label}: ${s.label}` })));
  const wantCheckin = new URLSearchParams(location.search).get("checkin");
  let list: ReflectionList = await api.reflections(unitId);
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  let flush: (() => void) | null = null;  // saves a pending draft now (when leaving the page)
  const drafts = (r: Reflection) => new ReflectionDrafts(user.id, unitId, r.id);
  const protocolName = (id: string) => list.protocols.find((p) => p.id === id)?.name ?? id;

  const evidenceLabel = (e: Evidence) =>
    e.kind === "moment" ? `Edit ${e.ref} in the history` : e.label || String(e.ref);
  const evidenceLink = (e: Evidence) => {
    const path = e.kind === "moment" ? `/unit/${unitId}/history` : `/unit/${unitId}`;
    return h("a", { href: path, class: "cp-evidence", onclick: (ev: Event) => { ev.preventDefault(); navigate(path); } }, evidenceLabel(e));
  };

  function render() {
    const unitReflection = list.reflections.find((r) => r.kind === "unit");
    const checkins = list.reflections.filter((r) => r.kind === "checkin");
    main.replaceChildren(h("h1", {}, `Reflecting on “${unit.title}”`));
    if (!unitReflection) main.append(startForm());
    else main.append(reflectionView(unitReflection));
    if (checkins.length || lessons.length) {
      main.append(h("h2", {}, "Lesson check-ins"));
      const proto = list.protocols.find((p) => p.kind === "checkin");
      for (const l of lessons) {
        const c = checkins.find((r) => r.lesson === l.id);
        if (c) main.append(h("section", { class: "cp-section" }, h("h3", {}, l.label), reflectionView(c)));
        else if (proto)
          main.append(h("p", {}, h("button", { type: "button", class: "secondary", "data-action": `checkin-${l.id}`, onclick: async () => {
            await api.startReflection(unitId, "checkin", proto.id, l.id);
            list = await api.reflections(unitId);
            render();
          } }, `Check in after ${l.label}`)));
      }
    }
  }

  /** Radio buttons for the unit protocols, `checked` (else the first) chosen. */
  function protocolChoices(legend: string, checked?: string): HTMLElement {
    const choices = h("fieldset", { class: "cp-template-choice" }, h("legend", {}, legend));
    list.protocols.filter((p) => p.kind !== "checkin").forEach((p, i) => {
      const id = uid("protocol");
      choices.append(h("div", { class: "cp-radio" }, h("input", { type: "radio", name: "protocol", id, value: p.id, checked: checked ? p.id === checked : i === 0 }),
        h("label", { for: id }, h("strong", {}, p.name), h("span", { class: "cp-help" }, ` ${p.summary} `), h("span", { class: "cp-meta" }, p.credit))));
    });
    return choices;
  }

  function startForm(): HTMLElement {
    const form = h("form", { class: "cp-section cp-start-reflection" },
      h("h2", {}, "Start your reflection"),
      h("p", { class: "cp-help" }, "Pick a way to reflect. Each of you answers privately; you see each other's answers when both of you have submitted."));
    form.append(protocolChoices("Protocol"), h("button", { type: "submit", class: "primary" }, "Start the reflection"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const protocol = (form.querySelector("input[name=protocol]:checked") as HTMLInputElement).value;
      await api.startReflection(unitId, "unit", protocol);
      list = await api.reflections(unitId);
      render();
    });
    return form;
  }

  /** Which protocol the unit reflection uses; while nobody has answered, a form to change it. */
  function protocolBox(r: Reflection): HTMLElement {
    const current = list.protocols.find((p) => p.id === r.protocol);
    // The summary is in the choices when they are shown.
    const summary = current && !r.canChangeProtocol ? `: ${current.summary}` : ".";
    const box = h("div", { class: "cp-protocol" }, h("p", {}, "You are reflecting with ", h("strong", {}, current?.name ?? r.protocol), summary));
    if (!r.canChangeProtocol) return box;
    const form = h("form", { class: "cp-change-protocol", "aria-label": "Change the protocol" },
      h("p", { class: "cp-help" }, "Either of you can choose another way to reflect until one of you starts answering."),
      protocolChoices("Protocol", r.protocol),
      h("button", { type: "submit", class: "secondary" }, "Use this protocol"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const protocol = (form.querySelector("input[name=protocol]:checked") as HTMLInputElement).value;
      try {
        await api.changeProtocol(unitId, r.id, protocol);
        toast("Protocol changed.");
      } catch (err) {
        toast(err instanceof ApiError && err.code === "already_answered"
          ? "The protocol can no longer change: one of you has started answering."
          : "Could not change the protocol. Try again.");
      }
      list = await api.reflections(unitId);
      render();
    });
    box.append(form);
    return box;
  }

  function reflectionView(r: Reflection): HTMLElement {
    const box = h("div", { class: "cp-reflection", "data-reflection": String(r.id) });
    if (r.kind === "unit" && r.state === "open") box.append(protocolBox(r));
    const partners = r.partners.map((p) => `${nameOf(p.user)} ${p.submitted ? "has submitted" : "has not submitted yet"}`).join("; ");
    if (r.state === "open") {
      box.append(h("p", { class: "cp-privacy", role: "note" },
        r.me.submitted ? `You have submitted. ${partners}. You will see each other's answers when everyone has submitted.`
          : `Your answers are private until everyone has submitted. ${partners}.`));
      const local = localDraft(r);
      box.append(...unsavedText(r), r.me.submitted ? readOnlyMine(r) : editor(r, local));
    } else box.append(revealed(r));
    return box;
  }

  function readOnlyMine(r: Reflection): HTMLElement {
    const out = h("div", {});
    for (const p of r.me.prompts) out.append(h("h3", { class: "cp-prompt" }, p.text), h("p", { class: "cp-answer" }, r.me.answers[p.id]?.text || "—"));
    return out;
  }

  /**
   * What this browser kept of the reflection and the server does not have: returned when it was
   * written to the prompts the person has now (it goes back into the form); moved to the text
   * shown beside the form when the protocol (or the prompts) changed since; dropped once submitted.
   */
  function localDraft(r: Reflection): LocalDraft | null {
    const store = drafts(r);
    const local = store.draft();
    if (!local) return null;
    const same = local.protocol === r.protocol && local.prompts.map((p) => p.id).join("\n") === r.me.prompts.map((p) => p.id).join("\n");
    if (same && !r.me.submitted) return local;
    store.carry(same ? null : carriedFrom(protocolName(local.protocol), local.prompts, local.answers));
    return null;
  }

  /** What the person wrote to prompts the reflection no longer has, until they say they have it. */
  function unsavedText(r: Reflection): HTMLElement[] {
    const store = drafts(r);
    const carried = store.carried();
    if (!carried.length) return [];
    const headingId = uid("unsaved");
    const box = h("section", { class: "cp-banner cp-unsaved-text", "aria-labelledby": headingId, tabindex: -1 },
      h("h2", { id: headingId }, "What you had written is kept here"));
    for (const c of carried) {
      box.append(h("p", {}, `The protocol was switched to ${protocolName(r.protocol)} before what you wrote for “${c.from}” was saved. ` +
        "What you had written is below — copy what you want into the new prompts."));
      for (const item of c.items) box.append(h("h3", { class: "cp-prompt" }, item.prompt), h("p", { class: "cp-answer" }, item.text));
    }
    box.append(h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => {
      if (!confirm("Remove this text from the page? Anything you have not copied into your answers will be gone.")) return;
      store.dismissCarried();
      render();
    } }, "I have copied what I need")));
    return [box];
  }

  function editor(r: Reflection, local: LocalDraft | null): HTMLElement {
    const store = drafts(r);
    let answers: Record<string, Answer> = JSON.parse(JSON.stringify(r.me.answers));
    let facet = r.me.facet || null;
    const status = h("span", { class: "cp-meta", role: "status", "aria-live": "polite" });
    const prompts = r.me.prompts.map((p) => ({ id: p.id, text: p.text }));
    const promptIds = prompts.map((p) => p.id);
    if (local) {
      answers = local.answers;
      facet = local.facet;
    }
    let changedAt = local?.at ?? 0;  // when the form last changed (strictly increasing)
    let gone = false;  // the protocol changed under this form: it saves no more
    const remember = () => {
      changedAt = Math.max(Date.now(), changedAt + 1);
      if (!gone) store.keepDraft({ protocol: r.protocol, prompts, answers, facet, at: changedAt });
    };
    const protocolChanged = async () => {
      if (gone) return;
      gone = true;
      if (saveTimer) clearTimeout(saveTimer);
      flush = null;
      try {
        list = await api.reflections(unitId);
      } catch {
        // shown with the prompts the page has; the text is kept all the same
      }
      store.carry(carriedFrom(protocolName(r.protocol), prompts, answers));  // what is in the form now
      if (!main.isConnected) return;  // left the page: shown when the reflection is opened again
      render();
      toast("The protocol changed before your draft was saved. What you wrote is kept on this page.");
      (main.querySelector(".cp-unsaved-text") as HTMLElement | null)?.focus();
    };
    /** Saves now (`now`) or shortly; resolves to whether the server has the draft. */
    const save = (now = false): Promise<boolean> => {
      if (saveTimer) clearTimeout(saveTimer);
      if (gone) return Promise.resolve(false);
      const run = async () => {
        const at = changedAt;
        try {
          await api.saveReflection(unitId, r.id, r.protocol, promptIds, answers, facet);
          store.saved(at);
          status.textContent = "Draft saved (only you can see it).";
          return true;
        } catch (err) {
          if (err instanceof ApiError && err.code === "protocol_changed") await protocolChanged();
          else status.textContent = "Could not save the draft — it is still here and kept in this browser; try again.";
          return false;
        }
      };
      if (now) {
        flush = null;
        return run();
      }
      flush = () => void run();
      saveTimer = setTimeout(() => {
        flush = null;
        void run();
      }, 700);
      return Promise.resolve(true);
    };
    const changed = () => {
      remember();
      void save();
    };
    const form = h("form", { class: "cp-reflection-form" });
    for (const p of r.me.prompts) {
      const id = uid(`answer-${p.id}`);
      const area = h("textarea", { id, rows: 4, maxlength: 8000, class: "cp-comment-input", "data-prompt": p.id });
      area.value = answers[p.id]?.text ?? "";
      area.addEventListener("input", () => {
        answers[p.id] = { text: area.value, evidence: answers[p.id]?.evidence ?? [] };
        changed();
      });
      const chips = h("ul", { class: "cp-evidence-list", "aria-label": "Evidence cited" });
      const renderChips = () => {
        chips.replaceChildren(...(answers[p.id]?.evidence ?? []).map((e, i) =>
          h("li", {}, evidenceLabel(e), " ", h("button", { type: "button", class: "link", "aria-label": `Remove ${evidenceLabel(e)}`, onclick: () => {
            answers[p.id].evidence!.splice(i, 1);
            renderChips();
            changed();
          } }, "×"))));
      };
      renderChips();
      const pickId = uid("cite");
      const pick = h("select", { id: pickId },
        h("option", { value: "" }, "— choose what to cite —"),
        h("optgroup", { label: "Sections" }, ...sections.map((s) => h("option", { value: `section:${s.id}` }, s.label))),
        lessons.length ? h("optgroup", { label: "Lessons" }, ...lessons.map((l) => h("option", { value: `block:${l.id}` }, l.label))) : "",
        h("option", { value: "moment" }, `A moment in the history (edit 1–${timeline.ops})`));
      const moment = h("input", { type: "number", min: 1, max: timeline.ops, value: timeline.ops, "aria-label": "Edit number", hidden: true, class: "cp-moment" });
      pick.addEventListener("change", () => (moment.hidden = pick.value !== "moment"));
      const add = h("button", { type: "button", class: "secondary", onclick: () => {
        if (!pick.value) return;
        const [kind, ref] = pick.value.split(":");
        const e: Evidence = kind === "moment" ? { kind: "moment", ref: Number(moment.value), label: "" }
          : { kind: kind as Evidence["kind"], ref, label: pick.selectedOptions[0].textContent ?? ref };
        answers[p.id] = { text: answers[p.id]?.text ?? area.value, evidence: [...(answers[p.id]?.evidence ?? []), e] };
        renderChips();
        pick.value = "";
        moment.hidden = true;
        changed();
      } }, "Cite");
      form.append(h("div", { class: "cp-prompt-box" },
        h("label", { for: id, class: "cp-prompt" }, p.text, p.source === "record" ? h("span", { class: "cp-meta" }, " (from this unit's record)") : ""),
        area, chips,
        h("div", { class: "cp-row cp-cite" }, h("label", { for: pickId, class: "cp-visually-hidden" }, "Cite evidence"), pick, moment, add)));
    }
    if (r.kind === "unit") {
      const fs = h("fieldset", { class: "cp-facets" }, h("legend", {}, "How would you describe your collaboration on this unit? (private until both submit)"));
      for (const f of list.facets.list) {
        const id = uid("facet");
        const radio = h("input", { type: "radio", name: `facet-${r.id}`, id, value: f.id, checked: facet === f.id });
        radio.addEventListener("change", () => {
          facet = f.id;
          changed();
        });
        fs.append(h("div", { class: "cp-radio" }, radio, h("label", { for: id }, h("strong", {}, f.label), h("span", { class: "cp-help" }, ` ${f.description}`))));
      }
      fs.append(h("p", { class: "cp-meta" }, list.facets.credit));
      form.append(fs);
    }
    if (local) {
      status.textContent = "Restored what you had written in this browser; saving it now.";
      void save();
    }
    form.append(h("div", { class: "cp-row" }, h("button", { type: "submit", class: "primary" }, "Submit my reflection"), status));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!confirm("Submit your reflection? You will not be able to change it afterwards.")) return;
      if (!(await save(true))) return;  // submitting would leave out what was not saved
      await api.submitReflection(unitId, r.id);
      list = await api.reflections(unitId);
      toast("Submitted.");
      render();
    });
    return form;
  }

  function revealed(r: Reflection): HTMLElement {
    const out = h("div", {});
    const everyone = r.everyone ?? {};
    const ids = members.map((m) => m.id).filter((id) => everyone[String(id)]);
    const prompts: { id: string; text: string }[] = [];
    for (const id of ids) for (const p of everyone[String(id)].prompts) if (!prompts.some((x) => x.id === p.id)) prompts.push(p);
    const table = h("table", { class: "cp-table cp-side-by-side" },
      h("caption", {}, "Your answers, side by side"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Prompt"), ...ids.map((id) => h("th", { scope: "col", class: `cp-swatch-${colorOf(members, id)}` }, nameOf(id))))),
      h("tbody", {}, ...prompts.map((p) => h("tr", {}, h("th", { scope: "row" }, p.text), ...ids.map((id) => {
        const a = everyone[String(id)].answers[p.id];
        const asked = everyone[String(id)].prompts.some((x) => x.id === p.id);
        return h("td", {}, !asked ? h("span", { class: "cp-meta" }, "(not asked)") : a?.text ? h("p", { class: "cp-answer" }, a.text) : "—",
          ...(a?.evidence ?? []).map((e) => h("span", { class: "cp-evidence-chip" }, evidenceLink(e))));
      })))));
    out.append(table);
    if (r.kind === "unit") {
      const label = (id: string) => list.facets.list.find((f) => f.id === id)?.label ?? "—";
      out.append(h("h3", {}, "The collaboration"),
        h("ul", {}, ...ids.map((id) => h("li", {}, `${nameOf(id)} rated it: `, h("strong", {}, label(everyone[String(id)].facet))))));
      if (r.suggestion)
        out.append(h("p", {}, "The record suggests ", h("strong", {}, r.suggestion.label), ", because:"),
          h("ul", { class: "cp-reasons" }, ...r.suggestion.reasons.map((x) => h("li", {}, x))));
      if (r.agreed) out.append(h("p", { class: "cp-agreed" }, "You agreed: ", h("strong", {}, label(r.agreed)), "."));
      else {
        const fs = h("fieldset", { class: "cp-facets" }, h("legend", {}, "Agree on one facet"));
        for (const f of list.facets.list) {
          const proposers = ids.filter((id) => everyone[String(id)].agree === f.id).map(nameOf);
          fs.append(h("button", { type: "button", class: r.me.agree === f.id ? "primary" : "secondary", "data-facet": f.id,
            onclick: async () => {
              await api.agreeFacet(unitId, r.id, f.id);
              list = await api.reflections(unitId);
              render();
            } }, f.label, proposers.length ? ` (${proposers.join(", ")})` : ""));
        }
        out.append(fs, h("p", { class: "cp-help" }, "Each of you picks one; it is agreed when you pick the same."));
      }
    }
    const actions = prompts.filter((p) => ids.some((id) => everyone[String(id)].prompts.find((x) => x.id === p.id)?.action));
    if (actions.length) out.append(h("p", { class: "cp-help" }, "Each line of your answers to “" + actions.map((p) => p.text.split("?")[0]).join("”, “") + "” is now an action item " +
      (r.kind === "checkin" ? "on this unit's page, before the next lesson, and in your next units." : "in your next unit.")));
    return out;
  }

  render();
  if (wantCheckin && !list.reflections.some((r) => r.lesson === wantCheckin)) {
    const proto = list.protocols.find((p) => p.kind === "checkin");
    if (proto) {
      await api.startReflection(unitId, "checkin", proto.id, wantCheckin);
      list = await api.reflections(unitId);
      render();
    }
  }
  return () => {
    if (saveTimer) clearTimeout(saveTimer);
    flush?.();
  };
}
