// Administration: accounts (create, role, reset password, disable), partnerships, schools and
// coordinators, and the audit log. Only administrators reach it; the server checks every call.
import { api, ApiError, type User } from "../api";
import { roleLabel } from "./colors";
import { h, toast, uid } from "./dom";

export async function adminPage(root: HTMLElement, user: User, navigate: (p: string) => void): Promise<() => void> {
  const main = h("main", { id: "main", class: "cp-home cp-admin" });
  root.replaceChildren(
    h("header", { class: "cp-topbar" },
      h("a", { href: "/", class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate("/"); } }, "← Home"),
      h("span", { class: "cp-brand" }, "Coplan administration"),
      h("span", { class: "cp-user" }, user.name)),
    main);
  const fail = (e: unknown) => toast(e instanceof ApiError ? `Refused: ${e.message}` : "Could not reach the server.");
  const field = (label: string, input: HTMLElement) => {
    const id = uid("adm");
    input.id = id;
    return h("div", { class: "cp-scalar" }, h("label", { for: id }, label), input);
  };

  async function render() {
    const [{ users }, { schools }, { partnerships }, { entries }] = await Promise.all([
      api.admin.users(), api.admin.schools(), api.admin.partnerships(), api.admin.audit()]);
    const schoolName = (id: number | null) => schools.find((s) => s.id === id)?.name ?? "—";
    const rows = users.map((u) => {
      const role = h("select", { "aria-label": `Role of ${u.name}` }, ...["librarian", "teacher", "coordinator", "admin"].map((r) =>
        h("option", { value: r, selected: r === u.role }, roleLabel(r))));
      role.addEventListener("change", () => api.admin.updateUser(u.id, { role: role.value }).then(() => toast(`${u.name} is now ${roleLabel(role.value)}.`), fail));
      return h("tr", {}, h("td", {}, u.name), h("td", {}, u.username), h("td", {}, role), h("td", {}, schoolName(u.school)),
        h("td", {}, u.disabled ? "disabled" : "active"),
        h("td", {},
          h("button", { type: "button", class: "secondary", onclick: async () => {
            const p = prompt(`New password for ${u.name} (at least 10 characters). They will be signed out everywhere.`);
            if (p) await api.admin.updateUser(u.id, { password: p }).then(() => toast("Password reset."), fail);
          } }, "Reset password"), " ",
          h("button", { type: "button", class: "secondary", onclick: async () => {
            await api.admin.updateUser(u.id, { disabled: !u.disabled }).then(render, fail);
          } }, u.disabled ? "Enable" : "Disable")));
    });
    const nu = { username: h("input", { maxlength: 40 }), name: h("input", { maxlength: 100 }), password: h("input", { type: "password" }),
      role: h("select", {}, ...["teacher", "librarian", "coordinator", "admin"].map((r) => h("option", { value: r }, roleLabel(r)))),
      school: h("select", {}, h("option", { value: "" }, "—"), ...schools.map((s) => h("option", { value: String(s.id) }, s.name))) };
    const create = h("form", { class: "cp-create-form", "aria-label": "New account" }, h("h3", {}, "New account"),
      h("div", { class: "cp-row" }, field("Name", nu.name), field("Username", nu.username), field("Role", nu.role), field("School", nu.school),
        field("Temporary password", nu.password)),
      h("button", { type: "submit", class: "primary" }, "Create account"));
    create.addEventListener("submit", async (e) => {
      e.preventDefault();
      await api.admin.createUser({ username: nu.username.value, name: nu.name.value, role: nu.role.value, password: nu.password.value,
        school: nu.school.value ? Number(nu.school.value) : undefined }).then(() => { toast("Account created."); render(); }, fail);
    });
    const members = h("select", { multiple: true, size: Math.min(8, users.length) }, ...users.map((u) => h("option", { value: String(u.id) }, `${u.name} (${roleLabel(u.role)})`)));
    const pname = h("input", { maxlength: 120 });
    const partnership = h("form", { class: "cp-create-form", "aria-label": "New partnership" }, h("h3", {}, "New partnership"),
      h("div", { class: "cp-row" }, field("Name", pname), field("Members", members)), h("button", { type: "submit", class: "primary" }, "Create partnership"));
    partnership.addEventListener("submit", async (e) => {
      e.preventDefault();
      await api.admin.createPartnership(pname.value, [...members.selectedOptions].map((o) => Number(o.value))).then(() => { toast("Partnership created."); render(); }, fail);
    });
    const sname = h("input", { maxlength: 120 });
    const school = h("form", { class: "cp-row", "aria-label": "New school" }, field("New school", sname), h("button", { type: "submit", class: "secondary" }, "Add school"));
    school.addEventListener("submit", async (e) => {
      e.preventDefault();
      await api.admin.createSchool(sname.value).then(render, fail);
    });
    const coordinators = users.filter((u) => u.role === "coordinator").map((u) => {
      const pick = h("select", { "aria-label": `Assign a school to ${u.name}` }, h("option", { value: "" }, "— add a school —"), ...schools.map((s) => h("option", { value: String(s.id) }, s.name)));
      pick.addEventListener("change", () => pick.value && api.admin.updateUser(u.id, { coordinates: Number(pick.value) }).then(render, fail));
      return h("li", {}, `${u.name}: ${(u.schools ?? []).map(schoolName).join(", ") || "no schools yet"} `, pick);
    });
    main.replaceChildren(
      h("h1", {}, "Administration"),
      h("h2", {}, "Accounts"),
      h("table", { class: "cp-table cp-admin-users" }, h("thead", {}, h("tr", {}, ...["Name", "Username", "Role", "School", "Status", "Actions"].map((x) => h("th", { scope: "col" }, x)))), h("tbody", {}, ...rows)),
      create,
      h("h2", {}, "Partnerships"),
      h("ul", {}, ...partnerships.map((p) => h("li", {}, h("strong", {}, p.name), ` — ${p.members.map((m) => m.name).join(", ")}`))),
      partnership,
      h("h2", {}, "Schools and coordinators"),
      h("p", {}, schools.map((s) => s.name).join(", ") || "No schools yet."), school,
      h("ul", {}, ...coordinators),
      h("h2", {}, "Audit log"),
      h("table", { class: "cp-table" }, h("thead", {}, h("tr", {}, ...["When", "Who", "What", "Details", "From"].map((x) => h("th", { scope: "col" }, x)))),
        h("tbody", {}, ...entries.slice(0, 100).map((e) => h("tr", {}, h("td", {}, new Date(e.time).toLocaleString()), h("td", {}, e.username || "—"),
          h("td", {}, e.action.replace(/_/g, " ")), h("td", {}, JSON.stringify(e.detail)), h("td", {}, e.address))))),
    );
  }
  await render().catch(fail);
  return () => {};
}
