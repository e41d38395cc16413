// Accepting an invitation link: a newcomer chooses a username and password and lands in the unit;
// someone already signed in joins with one click.
import { api, ApiError, type User } from "../api";
import { roleLabel } from "./colors";
import { h } from "./dom";

export async function invitePage(root: HTMLElement, token: string, onSignedIn: (u: User, path: string) => void): Promise<() => void> {
  const main = h("main", { id: "main", class: "cp-center" }, h("p", {}, "Checking the invitation…"));
  root.replaceChildren(main);
  let peek;
  try {
    peek = await api.peekInvitation(token);
  } catch (e) {
    const message = e instanceof ApiError ? e.message : "Could not reach the server.";
    main.replaceChildren(h("div", { class: "cp-signin" }, h("h1", {}, "This invitation cannot be used"), h("p", {}, message.charAt(0).toUpperCase() + message.slice(1) + "."),
      h("p", {}, h("a", { href: "/signin" }, "Go to sign in"))));
    return () => {};
  }
  const inv = peek.invitation;
  const error = h("p", { class: "cp-error", role: "alert" });
  const intro = h("p", {}, `${inv.from} invited you to plan “${inv.unit}” together, as the ${roleLabel(inv.role).toLowerCase()}.`);
  const join = async (body: { username?: string; name?: string; password?: string }) => {
    error.textContent = "";
    try {
      const r = await api.acceptInvitation(token, body);
      onSignedIn(r.user, `/unit/${r.unit}`);
    } catch (e) {
      error.textContent = e instanceof ApiError ? e.message.charAt(0).toUpperCase() + e.message.slice(1) + "." : "Could not reach the server.";
    }
  };
  if (peek.signedIn) {
    main.replaceChildren(h("div", { class: "cp-signin" }, h("h1", {}, "Join the unit"), intro,
      h("p", {}, `You are signed in as ${peek.signedIn.name}.`), error,
      h("button", { type: "button", class: "primary", onclick: () => join({}) }, "Join the unit")));
    return () => {};
  }
  const name = h("input", { id: "inv-name", autocomplete: "name", required: true, maxlength: 100 });
  const username = h("input", { id: "inv-username", autocomplete: "username", required: true, maxlength: 40 });
  const password = h("input", { id: "inv-password", type: "password", autocomplete: "new-password", required: true });
  const form = h("form", { class: "cp-signin", "aria-labelledby": "inv-title" },
    h("h1", { id: "inv-title" }, "You are invited to Coplan"), intro,
    h("label", { for: "inv-name" }, "Your name, as your partner will see it"), name,
    h("label", { for: "inv-username" }, "Choose a username"), username,
    h("label", { for: "inv-password" }, "Choose a password"), password,
    h("p", { class: "cp-help" }, "At least 10 characters; a short sentence is easy to remember and hard to guess."),
    error, h("button", { type: "submit", class: "primary" }, "Create my account and open the unit"),
    h("p", { class: "cp-help" }, "Already have an account? ", h("a", { href: `/signin?next=/invite/${token}` }, "Sign in first"), ", then open the link again."));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void join({ username: username.value.trim(), name: name.value.trim(), password: password.value });
  });
  main.replaceChildren(form);
  name.focus();
  return () => {};
}
