// The live notifications: this module alone owns the socket (/api/ws). It catches up from the
// last number (`seq`) it saw whenever it (re)connects, so nothing is missed or shown twice;
// reconnects with backoff and jitter; and polls the REST route while the socket is down. The
// header's bell shows the unread count; pages listen with `onNotification`.
import { api, session } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { toast } from "./widgets.js";

const BELL = "M6 17V11a6 6 0 0 1 12 0v6l2 2H4zM10 21h4";
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30000;
const POLL_MS = 20000;
const SESSION_ENDED = 4401;
// Where a notification leads: the order lists of the side it was meant for, or the conversation.
const LANDLORD_KINDS = new Set(["booked", "cancelled", "reviewed", "paid"]);

const listeners = new Set();
const state = { user: null, seq: 0, unread: 0, socket: null, retries: 0, retryTimer: 0, pollTimer: 0 };

export function onNotification(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notificationLink(notification) {
  if (notification.kind === "message") return `#/conversation/${Number(notification.order_id)}`;
  return LANDLORD_KINDS.has(notification.kind) ? "#/lorders" : "#/orders";
}

// Each notification once, in order: from the socket, a poll, or a catch-up.
function receive(notification) {
  if (notification.seq <= state.seq) return;
  state.seq = notification.seq;
  if (!notification.read) setUnread(state.unread + 1);
  toast(notification.text);
  listeners.forEach((listener) => listener(notification));
}

export function setUnread(count) {
  state.unread = count;
  const badge = bellButton.querySelector(".bell-count");
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = count === 0;
  bellButton.setAttribute("aria-label", count ? `通知，${count}条未读` : "通知");
  // Said by a screen reader when it changes, not on every render of the header.
  bellStatus.textContent = count ? `${count}条未读通知` : "";
}

function connect() {
  if (!state.user || state.socket || typeof WebSocket === "undefined") return;
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/ws`);
  state.socket = socket;
  socket.addEventListener("open", () => socket.send(JSON.stringify({ since: state.seq })));
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "notification") receive(message.notification);
    else if (message.type === "ready") {
      state.retries = 0;
      stopPolling();
      bellArea.dataset.live = "on";
    }
  });
  socket.addEventListener("close", (event) => {
    if (state.socket !== socket) return;
    state.socket = null;
    bellArea.dataset.live = "off";
    if (event.code === SESSION_ENDED) {
      session.refresh().catch(() => session.set(null));
      return;
    }
    if (!state.user) return;
    startPolling();
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** state.retries) * (0.5 + Math.random());
    state.retries += 1;
    state.retryTimer = setTimeout(connect, delay);
  });
}

async function poll() {
  try {
    const body = await api("GET", `/api/notifications?since=${state.seq}`, { redirect: false });
    body.notifications.forEach(receive);
    setUnread(body.unread);
  } catch {
    // the next poll, or the socket, catches up
  }
}

function startPolling() {
  if (!state.pollTimer) state.pollTimer = setInterval(poll, POLL_MS);
}

function stopPolling() {
  clearInterval(state.pollTimer);
  state.pollTimer = 0;
}

function stop() {
  clearTimeout(state.retryTimer);
  stopPolling();
  const socket = state.socket;
  state.socket = null;
  socket?.close();
  closePanel();
}

// Follows who is logged in (the session's listeners): a user's count, then their socket.
export async function follow(user) {
  const userId = user ? user.user_id : null;
  if (userId === (state.user && state.user.user_id)) return;
  stop();
  state.user = user;
  state.seq = 0;
  state.retries = 0;
  if (!user) return;
  try {
    const body = await api("GET", "/api/notifications", { redirect: false });
    if (state.user !== user) return;
    state.seq = body.notifications.length ? body.notifications[0].seq : 0;
    setUnread(body.unread);
  } catch {
    startPolling();
  }
  connect();
}

// ---- the bell and its list ------------------------------------------------------------------

const bellStatus = h("span", { class: "sr-only", "aria-live": "polite", "data-testid": "bell-status" });
const panel = h("div", { class: "bell-panel", id: "bell-panel", role: "region", "aria-label": "通知", hidden: true, "data-testid": "bell-panel" });
const bellButton = h("button", {
  class: "bell", type: "button", "aria-expanded": "false", "aria-controls": "bell-panel", "aria-label": "通知",
  "data-testid": "bell", onclick: () => (panel.hidden ? openPanel() : closePanel(true)),
}, icon(BELL), h("span", { class: "bell-count", "data-testid": "bell-count", hidden: true }, "0"));
// data-live: "on" while the socket is up and caught up, "off" while it polls instead.
const bellArea = h("div", { class: "bell-area", "data-testid": "bell-area", "data-live": "off" }, bellButton, bellStatus, panel);

panel.addEventListener("keydown", (event) => event.key === "Escape" && closePanel(true));
document.addEventListener("click", (event) => !panel.hidden && !bellArea.contains(event.target) && closePanel(false));

// The header is drawn anew on every page: it takes this same element each time.
export function bell() {
  closePanel(false);
  return bellArea;
}

async function openPanel() {
  panel.hidden = false;
  bellButton.setAttribute("aria-expanded", "true");
  replace(panel, h("p", { class: "loading" }, "加载中…"));
  try {
    const body = await api("GET", "/api/notifications");
    const items = body.notifications.map((n) => h("li", { class: n.read ? "bell-item" : "bell-item bell-unread" },
      h("a", { href: notificationLink(n), onclick: () => closePanel(false) }, n.text),
      h("span", { class: "muted small" }, n.ctime)));
    replace(panel, items.length ? h("ul", { class: "bell-list", "data-testid": "bell-list" }, items) : h("p", { class: "muted" }, "暂无通知"));
    panel.querySelector("a")?.focus();
    if (body.unread) setUnread((await api("POST", "/api/notifications/read", { json: { up_to: state.seq } })).unread);
  } catch (error) {
    if (!error.redirected) replace(panel, h("p", { class: "field-error" }, error.errmsg));
  }
}

function closePanel(refocus) {
  if (panel.hidden) return;
  panel.hidden = true;
  bellButton.setAttribute("aria-expanded", "false");
  if (refocus) bellButton.focus();
}
