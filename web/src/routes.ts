// Every page the client routes to, in the order the paths are tried. main.ts renders them; the
// accessibility test (tests/web/a11y.browser.test.ts) visits each one, so a page added here is
// checked too. Pure data: no DOM, so node tests can import it.

export type RouteName =
  | "invite"
  | "signin"
  | "admin"
  | "log"
  | "report"
  | "coordinator"
  | "history"
  | "contributions"
  | "reflect"
  | "unit"
  | "home";

export interface Route {
  name: RouteName;
  path: RegExp;
  /** The document title, before " · Coplan". */
  title: string;
  /** Who may open it: anyone (even signed out), only signed out, any signed-in user, or these roles. */
  access: "anyone" | "signed-out" | "signed-in" | readonly string[];
}

export const routes: readonly Route[] = [
  { name: "invite", path: /^\/invite\/([A-Za-z0-9_-]+)$/, title: "Invitation", access: "anyone" },
  { name: "signin", path: /^\/signin$/, title: "Sign in", access: "signed-out" },
  { name: "admin", path: /^\/admin$/, title: "Administration", access: ["admin"] },
  { name: "log", path: /^\/log$/, title: "Collaboration log", access: "signed-in" },
  { name: "report", path: /^\/log\/report$/, title: "Annual collaboration report", access: "signed-in" },
  { name: "coordinator", path: /^\/coordinator$/, title: "School summary", access: ["coordinator", "admin"] },
  { name: "history", path: /^\/unit\/([a-z0-9]+)\/history$/, title: "History", access: "signed-in" },
  { name: "contributions", path: /^\/unit\/([a-z0-9]+)\/contributions$/, title: "Contributions", access: "signed-in" },
  { name: "reflect", path: /^\/unit\/([a-z0-9]+)\/reflect$/, title: "Reflection", access: "signed-in" },
  { name: "unit", path: /^\/unit\/([a-z0-9]+)$/, title: "Unit", access: "signed-in" },
  { name: "home", path: /^\/$/, title: "Your units", access: "signed-in" },
];

const byName = (name: RouteName) => routes.find((r) => r.name === name)!;

/** The page for a path and who is asking, with the path's parameters. Signed out, every page but
 * an invitation is the sign-in page; signed in, a path that matches nothing the user may open is
 * home. `redirect` is the path the address bar should show instead, when it differs. */
export function matchRoute(path: string, role: string | null): { route: Route; params: string[]; redirect?: string } {
  for (const route of routes) {
    const m = path.match(route.path);
    if (!m) continue;
    const a = route.access;
    const allowed =
      a === "anyone" || (a === "signed-out" ? role === null : role !== null && (a === "signed-in" || a.includes(role)));
    if (allowed) return { route, params: m.slice(1) };
  }
  if (role === null) return { route: byName("signin"), params: [], redirect: "/signin" };
  return { route: byName("home"), params: [], redirect: path === "/" ? undefined : "/" };
}
