// Paying for a stay (with the server's --payment=alipay): the buttons and the line the orders page
// adds to an order, and the result page the gateway sends the browser back to. The server says
// what may be done (`order.actions`: "pay", "cancel_refund") and the amounts (`order.payment`).
import { api } from "../api.js";
import { h, replace, yuan } from "../dom.js";
import { PAGE_TITLE_ID } from "../router.js";
import { linkButton, openDialog, toast } from "../widgets.js";

// Statuses only payments have, as the orders page shows them.
export const PAYMENT_STATUS = {
  1: ["待支付", "wait"],
  2: ["已支付", "accepted"],
};

// To the gateway's page; it sends the browser back to #/payment/<order id>. A second click
// meanwhile is harmless: the order has one trade, and both go to the same page.
async function pay({ order }) {
  try {
    const { pay_url: payUrl } = await api("POST", "/api/pay", { json: { order_id: order.order_id } });
    toast(`正在前往支付宝付款 ${yuan(order.amount)}…`);
    window.location.assign(payUrl);
  } catch (error) {
    if (!error.redirected) toast(error.errmsg);
  }
}

function cancelWithRefund({ order, reload, onLeave, focusAfter }) {
  const refund = order.payment.refund_if_cancelled;
  openDialog({
    title: "取消订单并退款吗？",
    body: h("p", {}, `${order.title}：将全额退还 ${yuan(refund)} 至您的支付宝账户。`),
    keepText: "保留订单",
    confirmText: "取消并退款",
    onLeave,
    focusAfter,
    onConfirm: async () => {
      // The refund shown goes along: should the deadline pass meanwhile, the server refuses.
      const body = await api("POST", "/api/order/cancel", { json: { order_id: order.order_id, refund_amount: refund } });
      toast(body.refund.status === "done" ? `订单已取消，已退款 ${yuan(body.refund.amount)}` : "订单已取消，退款处理中");
      await reload();
    },
  });
}

// Entries of the orders page's action buttons: [action, text, class, open(shared)].
export const PAYMENT_BUTTONS = [
  ["pay", "去支付", "btn-primary", pay],
  ["cancel_refund", "取消并退款", "", cancelWithRefund],
];

function paymentText(order, role) {
  const payment = order.payment;
  if (payment.refund) {
    const done = payment.refund.status === "done";
    return `${done ? "已退款" : "退款处理中"} ${yuan(payment.refund.amount)}`;
  }
  if (order.status === 1) {
    return role === "custom" ? `请在 ${payment.pay_by} 前支付，逾期订单自动失效` : `等待房客支付（${payment.pay_by} 前）`;
  }
  if (order.status === 2 && role === "landlord") return `房客已支付 ${yuan(order.amount)}`;
  if (payment.refund_if_cancelled) return `${payment.full_refund_until} 前取消可全额退款`;
  if (payment.refund_if_cancelled === 0) return "已过全额退款期限，现在取消不退款";
  return null;
}

// The order's payment in one line, or null (and always null with payments off).
export function paymentLine(order, role) {
  if (!order.payment) return null;
  const text = paymentText(order, role);
  return text ? h("p", { class: "order-payment", "data-testid": "order-payment" }, text) : null;
}

const POLLS = 6;
const POLL_MS = 1500;

// #/payment/<order id>: back from the gateway. The gateway's word may still be on its way, so
// the server is asked a few times (it asks the gateway too); each answer is announced. The page is
// usually a fresh load, after which the router moves no focus: focus starts on its title here.
export async function paymentPage({ view, params, onLeave }) {
  const orderId = Number(params[0]);
  const heading = h("h2", {}, `订单号 ${orderId}`);
  const message = h("p", { class: "payment-message", role: "status", "data-testid": "payment-result" }, "正在确认支付结果…");
  const actions = h("div", { class: "payment-actions" });
  replace(view, h("section", { class: "card payment-result" }, heading, message, actions));
  document.getElementById(PAGE_TITLE_ID)?.focus();
  let timer = null;
  let left = false;
  onLeave(() => {
    left = true;
    clearTimeout(timer);
  });

  async function check(remaining) {
    const { data } = await api("GET", `/api/pay/status?order_id=${orderId}`);
    if (left) return;
    if (data.paid) {
      message.textContent = `支付成功：${yuan(data.amount)}，订单已确认`;
    } else if (data.status !== 1) {
      message.textContent = "该订单已不能支付";
    } else if (remaining > 0) {
      timer = setTimeout(() => check(remaining - 1).catch(failed), POLL_MS);
      return;
    } else {
      message.textContent = `尚未收到支付结果（请在 ${data.pay_by} 前完成支付）`;
      replace(actions, h("button", { class: "btn", type: "button", onclick: again }, "重新查询"),
        linkButton("/orders", "返回我的订单"));
      return;
    }
    replace(actions, linkButton("/orders", "查看我的订单"));
  }

  function failed(error) {
    if (error.redirected) return;
    message.textContent = error.errmsg;
    replace(actions, linkButton("/orders", "返回我的订单"));
  }

  function again() {
    message.textContent = "正在确认支付结果…";
    replace(actions);
    check(POLLS).catch(failed);
  }

  await check(POLLS).catch(failed);
}
