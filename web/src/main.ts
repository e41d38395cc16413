// Coplan web client entry: checks the session and routes between sign-in, home and a unit.
import "./styles.css";
import { api, type User } from "./api";
import { homePage } from "./ui/home-page";
import { signInPage } from "./ui/signin-page";
import { unitPage } from "./ui/unit-page";
import { historyPage } from "./ui/history-page";
import { contributionsPage } from "./ui/contributions-page";
import { reflectPage } from "./ui/reflect-page";
import { invitePage } from "./ui/invite-page";
import { adminPage } from "./ui/admin-page";

const root = document.getElementById("app")!;
let user: User | null = null;
let cleanup: () => void = () => {};

function navigate(path: string, replace = false) {
  if (path === location.pathname + location.search && !replace) return route();
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route();
}

async function signOut() {
  await api.signOut().catch(() => {});
  user = null;
  navigate("/signin");
}

function route() {
  cleanup();
  cleanup = () => {};
  const path = location.pathname;
  const invite = path.match(/^\/invite\/([A-Za-z0-9_-]+)$/);
  if (invite) {
    let stop = () => {};
    cleanup = () => stop();
    void invitePage(root, invite[1], (u, next) => {
      user = u;
      navigate(next, true);
    }).then((s) => (stop = s));
    document.title = "Invitation · Coplan";
    return;
  }
  if (!user) {
    const next = new URLSearchParams(location.search).get("next");
    if (path !== "/signin") history.replaceState({ next: path }, "", "/signin");
    else if (next?.startsWith("/")) history.replaceState({ next }, "", "/signin");
    cleanup = signInPage(root, (u) => {
      user = u;
      const next = (history.state as { next?: string } | null)?.next;
      navigate(next && next !== "/signin" ? next : "/", true);
    });
    document.title = "Sign in · Coplan";
    return;
  }
  if (path === "/admin" && user.role === "admin") {
    let stop = () => {};
    cleanup = () => stop();
    void adminPage(root, user, navigate).then((s) => (stop = s));
    document.title = "Administration · Coplan";
    return;
  }
  const sub = path.match(/^\/unit\/([a-z0-9]+)\/(history|contributions|reflect)$/);
  if (sub) {
    const page = sub[2] === "history" ? historyPage : sub[2] === "reflect" ? reflectPage : contributionsPage;
    let stop = () => {};
    let gone = false;
    cleanup = () => {
      gone = true;
      stop();
    };
    page(root, sub[1], user, navigate)
      .then((s) => (gone ? s() : (stop = s)))
      .catch(() => root.replaceChildren(Object.assign(document.createElement("p"), { textContent: "Could not load this page." })));
    document.title = `${{ history: "History", contributions: "Contributions", reflect: "Reflection" }[sub[2]]} · Coplan`;
    return;
  }
  const unit = path.match(/^\/unit\/([a-z0-9]+)$/);
  if (unit) {
    cleanup = unitPage(root, unit[1], user, navigate);
    document.title = "Unit · Coplan";
    return;
  }
  if (path !== "/") history.replaceState(null, "", "/");
  cleanup = homePage(root, user, navigate, signOut);
  document.title = "Your units · Coplan";
}

window.addEventListener("popstate", route);
api
  .me()
  .then(({ user: u }) => (user = u ?? null))
  .catch(() => (user = null))
  .finally(route);
