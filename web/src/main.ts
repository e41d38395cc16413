// Coplan web client entry: checks the session and routes to the pages listed in routes.ts. When
// the server cannot be reached it carries on as the last signed-in user, so a unit kept in this
// browser opens offline (the service worker, public/sw.js, serves the page itself).
import "./styles.css";
import { api, ApiError, type User } from "./api";
import { offlineStore } from "./sync/offline-store";
import { ReflectionDrafts } from "./ui/reflection-drafts";
import { homePage } from "./ui/home-page";
import { signInPage } from "./ui/signin-page";
import { unitPage } from "./ui/unit-page";
import { historyPage } from "./ui/history-page";
import { contributionsPage } from "./ui/contributions-page";
import { reflectPage } from "./ui/reflect-page";
import { invitePage } from "./ui/invite-page";
import { adminPage } from "./ui/admin-page";
import { logPage } from "./ui/log-page";
import { reportPage } from "./ui/report-page";
import { coordinatorPage } from "./ui/coordinator-page";
import { matchRoute, type RouteName } from "./routes";

const root = document.getElementById("app")!;
let user: User | null = null;
let cleanup: () => void = () => {};

/** Who was signed in last in this browser, for opening kept units while the server is out of reach. */
const LAST_USER = "coplan-user";
function rememberUser(u: User | null) {
  try {
    if (u) localStorage.setItem(LAST_USER, JSON.stringify(u));
    else localStorage.removeItem(LAST_USER);
  } catch {
    // storage may be disabled; the offline fallback is then simply not available
  }
}
function lastUser(): User | null {
  try {
    return JSON.parse(localStorage.getItem(LAST_USER) ?? "null");
  } catch {
    return null;
  }
}
function setUser(u: User | null) {
  user = u;
  rememberUser(u);
}

function navigate(path: string, replace = false) {
  if (path === location.pathname + location.search && !replace) return route();
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  route();
}

async function signOut() {
  // What this browser keeps for the user goes too (shared school computers); say so first when
  // some of it has not reached the server yet.
  const store = await offlineStore();
  const kept = user && store ? await store.list(user.id).catch(() => []) : [];
  const unsent = kept.reduce((n, r) => n + r.unconfirmed, 0);
  if (unsent && !confirm(`${unsent} change${unsent === 1 ? "" : "s"} you made offline ${unsent === 1 ? "has" : "have"} not reached the server yet. Signing out deletes ${unsent === 1 ? "it" : "them"} from this computer. Sign out anyway?`))
    return;
  const drafts = user ? ReflectionDrafts.unsaved(user.id) : 0;
  if (drafts && !confirm(`Reflection text you wrote (${drafts === 1 ? "one reflection" : `${drafts} reflections`}) is kept only in this browser: it has not been saved, or is waiting for you to copy it into new prompts. Signing out deletes it from this computer. Sign out anyway?`))
    return;
  await api.signOut().catch(() => {});
  if (user && store) await store.forgetUser(user.id).catch(() => {});
  if (user) ReflectionDrafts.forgetUser(user.id);
  setUser(null);
  navigate("/signin");
}

type Mounted = (() => void) | Promise<() => void>;

/** What each route renders (routes.ts says which path and who may open it). */
const pages: Record<RouteName, (params: string[], user: User) => Mounted> = {
  invite: ([token]) =>
    invitePage(root, token, (u, next) => {
      setUser(u);
      navigate(next, true);
    }),
  signin: () => {
    const path = location.pathname;
    const next = new URLSearchParams(location.search).get("next");
    if (path !== "/signin") history.replaceState({ next: path }, "", "/signin");
    else if (next?.startsWith("/")) history.replaceState({ next }, "", "/signin");
    return signInPage(root, (u) => {
      setUser(u);
      const next = (history.state as { next?: string } | null)?.next;
      navigate(next && next !== "/signin" ? next : "/", true);
    });
  },
  admin: (_, u) => adminPage(root, u, navigate),
  log: (_, u) => logPage(root, u, navigate),
  report: (_, u) => reportPage(root, u, navigate),
  coordinator: (_, u) => coordinatorPage(root, u, navigate),
  history: ([id], u) => historyPage(root, id, u, navigate),
  contributions: ([id], u) => contributionsPage(root, id, u, navigate),
  reflect: ([id], u) => reflectPage(root, id, u, navigate),
  unit: ([id], u) => unitPage(root, id, u, navigate),
  home: (_, u) => homePage(root, u, navigate, signOut),
};

function route() {
  cleanup();
  cleanup = () => {};
  const { route: r, params, redirect } = matchRoute(location.pathname, user?.role ?? null);
  if (redirect && r.name !== "signin") history.replaceState(null, "", redirect);
  document.title = `${r.title} · Coplan`;
  // Only the invitation and sign-in pages are open to no one in particular; they ignore the user.
  const mounted = pages[r.name](params, user!);
  if (typeof mounted === "function") {
    cleanup = mounted;
    return;
  }
  let stop = () => {};
  let gone = false;
  cleanup = () => {
    gone = true;
    stop();
  };
  mounted
    .then((s) => (gone ? s() : (stop = s)))
    .catch(() => root.replaceChildren(Object.assign(document.createElement("p"), { textContent: "Could not load this page." })));
}

window.addEventListener("popstate", route);
api
  .me()
  .then(({ user: u }) => setUser(u ?? null))
  .catch((e) => {
    // No answer (offline, or the server is down behind a proxy): carry on as the last user.
    const unreachable = !(e instanceof ApiError) || e.status >= 500;
    user = unreachable ? lastUser() : null;
  })
  .finally(route);

if ("serviceWorker" in navigator && import.meta.env.PROD)
  navigator.serviceWorker.register("/sw.js").catch((e) => console.warn("coplan: no offline page", e));
