// An order's conversation: what its guest and its landlord write to each other. New messages
// arrive live (live.js) and are marked read while the page is open.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { onNotification, setUnread } from "../live.js";
import { busy, toast } from "../widgets.js";

const BODY_MAX = 1000;

// The link an order's card offers to its conversation.
export function conversationLink(order) {
  return h("a", { class: "btn", href: `#/conversation/${Number(order.order_id)}`, "data-testid": "conversation-link",
    "aria-describedby": `order-${Number(order.order_id)}-title` }, "消息");
}

function messageItem(message) {
  return h("li", { class: message.mine ? "message message-mine" : "message", "data-message-id": message.id },
    h("span", { class: "sr-only" }, message.mine ? "我：" : "对方："),
    h("p", { class: "message-body" }, message.body),
    h("span", { class: "muted small" }, message.ctime, message.mine && message.read ? " · 已读" : ""));
}

export async function conversationPage({ view, params, onLeave }) {
  const orderId = Number(params[0]);
  const list = h("ol", { class: "message-list", "data-testid": "messages" });
  const earlier = h("div", { class: "list-footer" });
  const input = h("textarea", { id: "message-body", rows: 3, maxlength: BODY_MAX, required: true, "aria-describedby": "message-count" });
  const count = h("p", { class: "field-hint", id: "message-count" }, `0/${BODY_MAX}`);
  const error = h("p", { class: "field-error", role: "alert" });
  const send = h("button", { class: "btn btn-primary", type: "submit" }, "发送");
  const form = h("form", { class: "message-form", novalidate: true },
    h("label", { for: "message-body" }, "给对方发消息"), input, count, error, send);
  replace(view, h("section", { class: "conversation" },
    h("p", {}, h("a", { href: "#/orders" }, "我的订单"), " · ", h("a", { href: "#/lorders" }, "客户订单"), ` · 订单号 ${orderId}`),
    earlier, h("div", { role: "log", "aria-live": "polite", "aria-label": "消息记录" }, list), form));
  let lastId = 0;

  // Each message once, in the order of its id: one sent from here may come back in a fetch,
  // and a fetch may bring older ones than a message just sent.
  function add(messages) {
    for (const message of messages) {
      if (list.querySelector(`[data-message-id="${Number(message.id)}"]`)) continue;
      const later = [...list.querySelectorAll("[data-message-id]")].find((item) => Number(item.dataset.messageId) > message.id);
      list.insertBefore(messageItem(message), later || null);
    }
    list.querySelector(".message-none")?.remove();
  }

  // Fetched from the server, in order: a fetch of new ones starts after the last of these.
  function addFetched(messages) {
    add(messages);
    if (messages.length) lastId = Math.max(lastId, messages[messages.length - 1].id);
  }

  function offerEarlier(more, firstId) {
    replace(earlier, more ? h("button", { class: "btn", type: "button", onclick: (event) => busy(event.currentTarget, async () => {
      const body = await api("GET", `/api/order/messages?order_id=${orderId}&before=${firstId}`);
      add(body.messages);
      offerEarlier(body.more, body.messages[0]?.id);
    }).catch((failure) => failure.redirected || toast(failure.errmsg)) }, "更早的消息") : null);
  }

  async function markRead() {
    setUnread((await api("POST", "/api/order/messages/read", { json: { order_id: orderId } })).unread);
  }

  // Those after the last one shown: a message of this order has been notified.
  async function fetchNew() {
    const body = await api("GET", `/api/order/messages?order_id=${orderId}&after=${lastId}`);
    addFetched(body.messages);
    await markRead();
  }

  onLeave(onNotification((notification) => {
    if (notification.kind === "message" && notification.order_id === orderId) {
      fetchNew().catch(() => {});
    }
  }));
  input.addEventListener("input", () => { count.textContent = `${input.value.length}/${BODY_MAX}`; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const text = input.value.trim();
    if (!text) {
      error.textContent = "请填写消息";
      input.focus();
      return;
    }
    busy(send, async () => {
      try {
        const answer = await api("POST", "/api/order/messages", { json: { order_id: orderId, body: text } });
        add([answer.message]);
        input.value = "";
        count.textContent = `0/${BODY_MAX}`;
        input.focus();
      } catch (failure) {
        if (!failure.redirected) error.textContent = failure.errmsg;
      }
    });
  });
  // Only once the form answers: a message typed while the list loads is sent, not lost.
  const body = await api("GET", `/api/order/messages?order_id=${orderId}`);
  addFetched(body.messages);
  offerEarlier(body.more, body.messages[0]?.id);
  if (!list.children.length) list.append(h("li", { class: "muted message-none" }, "还没有消息"));
  await markRead();
}
