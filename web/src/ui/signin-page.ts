// The sign-in page.
import { api, ApiError, type User } from "../api";
import { h } from "./dom";

export function signInPage(root: HTMLElement, onSignedIn: (u: User) => void): () => void {
  const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "cp-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "cp-signin", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in to Coplan"),
    h("p", { class: "cp-help" }, "Plan, teach and assess a unit together — librarian and teacher, as equal partners."),
    h("label", { for: "username" }, "Username"),
    username,
    h("label", { for: "password" }, "Password"),
    password,
    error,
    button,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    button.disabled = true;
    try {
      const { user } = await api.signIn(username.value.trim(), password.value);
      onSignedIn(user);
    } catch (err) {
      error.textContent =
        err instanceof ApiError && err.code === "bad_credentials"
          ? "That username and password do not match. Check both and try again."
          : "Could not reach the server. Check your connection and try again.";
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  root.replaceChildren(h("main", { id: "main", class: "cp-center" }, form));
  username.focus();
  return () => {};
}
