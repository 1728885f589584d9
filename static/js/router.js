// Hash routing (#/path?query), so the server needs no fallback for deep links. Each page's
// module is loaded the first time its route is shown.
import { h, replace } from "./dom.js";

const routes = [];
const leaveHandlers = [];
let layout = () => {};
let shown = 0;

// `load` resolves to the page: an async function of the page's context.
export function addRoute(pattern, load, { title, back = null }) {
  routes.push({ pattern, load, title, back });
}

// The page's one h1 (in the header), where focus goes after a route change: a screen reader
// reads the new page's title, and the next Tab starts from the top of the new page.
export const PAGE_TITLE_ID = "page-title";

export function setLayout(renderHeader) {
  layout = renderHeader;
}

export function currentLocation() {
  const full = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = full.split("?");
  return { full, path, query: new URLSearchParams(query) };
}

export function navigate(target, { replace: replaceEntry = false } = {}) {
  if (replaceEntry) {
    history.replaceState(history.state, "", "#" + target);
    render();
  } else if (location.hash === "#" + target) {
    render();
  } else {
    location.hash = target;
  }
}

// Keeps the filters in the address without re-rendering, so reload and back restore them.
export function setQuery(params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== "" && value != null));
  const text = query.toString();
  history.replaceState(history.state, "", "#" + currentLocation().path + (text ? "?" + text : ""));
}

export function loginTarget(page = "/login") {
  return `${page}?next=${encodeURIComponent(currentLocation().full)}`;
}

// Only our own hash routes are followed after login.
export function safeNext(next, fallback) {
  return next && next.startsWith("/") && !next.startsWith("/login") && !next.startsWith("/register") ? next : fallback;
}

export async function render() {
  while (leaveHandlers.length) leaveHandlers.pop()();
  const where = currentLocation();
  let match = null;
  const found = routes.find((candidate) => (match = candidate.pattern.exec(where.path)));
  const route = found || routes.find((candidate) => candidate.pattern.test("/"));
  const view = h("main", { class: "view", id: "view" });
  document.getElementById("view").replaceWith(view);
  window.scrollTo(0, 0);
  layout({ title: route.title, back: found ? route.back : null });
  document.title = route.title ? `${route.title} - 爱家租房` : "爱家租房";
  const context = {
    view,
    params: found && match ? match.slice(1) : [],
    query: where.query,
    onLeave: (handler) => leaveHandlers.push(handler),
  };
  const first = shown === 0;
  const mine = ++shown;
  try {
    await (await route.load())(context);
    if (!first && mine === shown) document.getElementById(PAGE_TITLE_ID)?.focus();
  } catch (error) {
    if (error && error.redirected) return;
    console.error(error);
    replace(view, h("div", { class: "state state-error" },
      h("p", {}, (error && error.errmsg) || "页面加载失败，请稍后重试"),
      h("button", { class: "btn", type: "button", onclick: () => render() }, "重试")));
  }
}
