// Orders, as the guest (review with stars and edit it, cancel; with payments pay) or as the
// landlord (accept, reject with a reason, reply to a review).
import { api } from "../api.js";
import { h, photo, replace, yuan } from "../dom.js";
import { busy, emptyState, linkButton, openDialog, starsLine, toast } from "../widgets.js";
import { conversationLink } from "./conversation.js";
import { PAYMENT_BUTTONS, PAYMENT_STATUS, paymentLine } from "./payment.js";

const STATUS = {
  ...PAYMENT_STATUS,
  0: ["待接单", "wait"],
  3: ["待评价", "accepted"],
  4: ["已完成", "done"],
  5: ["已取消", "closed"],
  6: ["已拒单", "closed"],
  7: ["已过期", "closed"],
};
const COMMENT_MAX = 1000;
const REASON_MAX = 256;
const REPLY_MAX = 1000;
const STAR_WORDS = ["很差", "较差", "一般", "不错", "很好"];
let starPickers = 0;

// The 1-5 stars of a review as a radio group: Tab reaches it, the arrow keys choose, and each
// star's label says its number. `current`: the stars chosen before (an edit), or null.
function starPicker(current) {
  const name = `stars-${++starPickers}`;
  const labels = [];
  const said = h("span", { class: "star-words", "aria-hidden": "true" });
  const paint = (value) => {
    labels.forEach((label, index) => label.classList.toggle("on", index < value));
    said.textContent = value ? STAR_WORDS[value - 1] : "";
  };
  const stars = STAR_WORDS.map((words, index) => {
    const value = index + 1;
    const input = h("input", { type: "radio", class: "star-input", name, value, checked: value === current, onchange: () => paint(value) });
    labels.push(h("label", { class: "star-label" }, input, h("span", { "aria-hidden": "true" }, "★"), h("span", { class: "sr-only" }, `${value}星（${words}）`)));
    return labels[index];
  });
  paint(current || 0);
  const element = h("fieldset", { class: "star-picker", "data-testid": "star-picker" }, h("legend", {}, "评分"), stars, said);
  return { element, value: () => Number(element.querySelector("input:checked")?.value) || null };
}

// Asks for a text (review, reason, reply), with the review's `stars` picker if given, posts it,
// and reloads the list on success. `value`: the text written before (an edit).
function askText({ title, placeholder, maxlength, confirmText, url, field, order, reload, onLeave, done, focusAfter, stars, value }) {
  const input = h("textarea", { rows: 4, maxlength, placeholder, required: true, "aria-label": title, value });
  openDialog({
    title, body: [stars?.element, input], confirmText, onLeave, focusAfter,
    onConfirm: async () => {
      const chosen = stars?.value();
      if (stars && !chosen) throw new Error("请选择1-5星评分");
      const text = input.value.trim();
      if (!text) throw new Error("请填写内容");
      await api("POST", url, { json: { order_id: order.order_id, [field]: text, ...(stars ? { stars: chosen } : {}) } });
      toast(done);
      await reload();
    },
  });
}

function confirmAction({ title, keepText, confirmText, url, order, reload, onLeave, done, focusAfter }) {
  openDialog({
    title, body: h("p", {}, order.title), keepText, confirmText, onLeave, focusAfter,
    onConfirm: async () => {
      await api("POST", url, { json: { order_id: order.order_id } });
      toast(done);
      await reload();
    },
  });
}

// The buttons of the actions the server lists for this order and viewer (`order.actions`),
// in the order they are shown; the server alone decides which apply now. Each dialog's buttons
// say what they do, and focus starts on the one that changes nothing.
const ACTION_BUTTONS = [
  ...PAYMENT_BUTTONS,
  ["cancel", "取消订单", "", (shared) => confirmAction({
    ...shared, title: "取消这个订单吗？", keepText: "保留订单", confirmText: "取消订单", url: "/api/order/cancel", done: "订单已取消",
  })],
  ["comment", "发表评价", "btn-primary", (shared) => askText({
    ...shared, title: "评价这次入住", placeholder: `说说这次入住的感受（${COMMENT_MAX}字以内）`, maxlength: COMMENT_MAX,
    confirmText: "提交评价", url: "/api/order/comment", field: "comment", done: "感谢您的评价", stars: starPicker(null),
  })],
  ["edit_comment", "修改评价", "", (shared) => askText({
    ...shared, title: "修改评价", placeholder: `说说这次入住的感受（${COMMENT_MAX}字以内）`, maxlength: COMMENT_MAX,
    confirmText: "保存修改", url: "/api/order/comment/edit", field: "comment", done: "评价已修改",
    stars: starPicker(shared.order.stars), value: shared.order.comment,
  })],
  ["reply", "回复评价", "btn-primary", (shared) => askText({
    ...shared, title: "回复房客的评价", placeholder: `回复会显示在评价下方，只能回复一次（${REPLY_MAX}字以内）`, maxlength: REPLY_MAX,
    confirmText: "发表回复", url: "/api/order/reply", field: "reply", done: "回复已发表",
  })],
  ["reject", "拒单", "", (shared) => askText({
    ...shared, title: "拒绝这个订单", placeholder: `告诉房客拒单的原因（${REASON_MAX}字以内）`, maxlength: REASON_MAX,
    confirmText: "确定拒单", url: "/api/order/reject", field: "reject_reason", done: "已拒单",
  })],
  ["accept", "接单", "btn-primary", (shared) => confirmAction({
    ...shared, title: "接下这个订单吗？", keepText: "暂不接单", confirmText: "接单", url: "/api/order/accept", done: "已接单",
  })],
];

function actions(order, role, context) {
  const allowed = new Set(order.actions || []);
  // After the action the order's card is drawn anew: focus goes to its title.
  const focusAfter = () => document.querySelector(`[data-order-id="${Number(order.order_id)}"] .house-title`);
  const shared = { order, focusAfter, ...context };
  const buttons = ACTION_BUTTONS.filter(([name]) => allowed.has(name)).map(([, text, className, open]) =>
    h("button", { class: `btn ${className}`, type: "button", onclick: () => open(shared), "aria-describedby": `order-${Number(order.order_id)}-title` }, text));
  // An accepted stay still ahead has nothing to do yet: say when the review opens.
  if (!buttons.length && role === "custom" && order.status === 3) {
    return [h("span", { class: "muted", "data-testid": "review-later" }, "离店后可评价")];
  }
  return buttons;
}

function commentLine(order, role) {
  if (!order.comment) return null;
  const label = order.status === 6 ? "拒单原因" : role === "custom" ? "我的评价" : "房客评价";
  return [
    h("p", { class: "order-comment" }, h("strong", {}, label + "："), starsLine(order.stars), order.stars ? " " : null, order.comment),
    order.reply ? h("p", { class: "order-reply" }, h("strong", {}, "房东回复："), order.reply) : null,
  ];
}

function orderCard(order, role, context) {
  const [label, tone] = STATUS[order.status] || ["未知状态", "closed"];
  return h("li", { class: "card order", "data-order-id": order.order_id },
    h("div", { class: "order-head" },
      h("span", { class: "muted small" }, `订单号 ${order.order_id} · ${order.ctime}`),
      h("span", { class: `status status-${tone}`, "data-testid": "order-status" }, label)),
    h("a", { class: "order-house", href: `#/house/${Number(order.house_id)}` },
      photo(order.img_thumb, "", "order-photo", order.img_url),
      h("div", {},
        h("h2", { class: "house-title", id: `order-${Number(order.order_id)}-title`, tabindex: "-1" }, order.title),
        h("p", {}, `${order.start_date} 至 ${order.end_date} · 共${order.days}晚`),
        h("p", { class: "price" }, `合计 ${yuan(order.amount)}`))),
    commentLine(order, role),
    paymentLine(order, role),
    h("div", { class: "order-actions" }, actions(order, role, context), conversationLink(order)));
}

// The orders come a page at a time; "more" fetches the next. After an action the pages shown so
// far are fetched again, so the changed order is shown as the server now has it, in its place.
export async function ordersPage({ view, onLeave }, role) {
  const list = h("div", { class: "orders-list" });
  const footer = h("div", { class: "list-footer" });
  const tab = (href, text, active) => h("a", { class: "tab", href: "#" + href, "aria-current": active ? "page" : null }, text);
  replace(view, h("div", { class: "orders" },
    h("nav", { class: "tabs", "aria-label": "订单类型" }, tab("/orders", "我的订单", role === "custom"), tab("/lorders", "客户订单", role === "landlord")),
    list, footer));
  let pages = 0;
  let totalPages = 0;

  async function fetchPages(count) {
    const orders = [];
    for (let p = 1; p <= count; p += 1) {
      const body = await api("GET", `/api/order/my?role=${role}&p=${p}`);
      orders.push(...body.orders);
      totalPages = body.total_page;
      if (p >= totalPages) break;
    }
    return orders;
  }

  function show(orders) {
    replace(list, orders.length
      ? h("ul", { class: "order-list", "data-testid": "orders", "aria-label": role === "custom" ? "我的订单" : "客户订单" },
        orders.map((order) => orderCard(order, role, { reload, onLeave })))
      : emptyState(role === "custom" ? "还没有订单，去找个好房子吧" : "还没有房客下单",
        role === "custom" ? linkButton("/search", "去找房") : null));
    replace(footer, pages < totalPages ? h("button", { class: "btn btn-block", type: "button", onclick: more }, "加载更多订单") : null);
  }

  async function reload() {
    show(await fetchPages(Math.max(pages, 1)));
  }

  function more(event) {
    const button = event.currentTarget;
    busy(button, async () => {
      const shown = list.querySelectorAll(".order").length;
      const body = await api("GET", `/api/order/my?role=${role}&p=${pages + 1}`);
      pages += 1;
      totalPages = body.total_page;
      list.querySelector(".order-list").append(...body.orders.map((order) => orderCard(order, role, { reload, onLeave })));
      if (pages >= totalPages) footer.replaceChildren();
      // The first new order's title, so that the keyboard goes on from there.
      list.querySelectorAll(".order .house-title")[shown]?.focus();
    }).catch((error) => error.redirected || toast(error.errmsg));
  }

  pages = 1;
  await reload();
}
