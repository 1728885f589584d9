// The landlord's calendar of their house, on its page: pick a range of nights on the month
// calendar, then block or open them, or set or clear their own price (POST /api/house/calendar).
import { api } from "../api.js";
import { nightCalendar, nightLabel } from "../calendar.js";
import { h } from "../dom.js";
import { busy } from "../widgets.js";

export function calendarEditor(house) {
  const picked = h("p", { class: "calendar-range", "data-testid": "calendar-range" }, "尚未选择日期");
  const result = h("p", { class: "calendar-result", role: "status", "data-testid": "calendar-result" });
  const failure = h("p", { class: "field-error", role: "alert", id: "calendar-price-error", "data-testid": "calendar-error" });
  const price = h("input", { id: "calendar-price", name: "price", inputmode: "decimal", autocomplete: "off",
    "aria-describedby": "calendar-price-error" });
  const buttons = [];
  const calendar = nightCalendar({
    houseId: house.hid,
    label: "选择日期",
    pickable: Boolean, // any night a booking could hold: booked ones too, for their price
    onChange: (first, last) => {
      picked.textContent = last ? `已选：${nightLabel(first)} 至 ${nightLabel(last)}` : `已选：${nightLabel(first)}，请再选结束日期`;
      buttons.forEach((button) => { button.disabled = !last; });
    },
  });

  // One change of the picked nights (`fields`: what to change, or a message when it cannot be
  // sent); `done` says what it did, for the announcement.
  function action(text, fields, done) {
    const button = h("button", { class: "btn", type: "button", disabled: true }, text);
    button.addEventListener("click", () => busy(button, async () => {
      const [first, last] = calendar.range();
      result.textContent = "";
      failure.textContent = "";
      price.removeAttribute("aria-invalid");
      const change = fields();
      if (typeof change === "string") {
        failure.textContent = change;
        return;
      }
      try {
        await api("POST", "/api/house/calendar",
          { json: { house_id: house.hid, start_date: first, end_date: last, ...change } });
      } catch (error) {
        if (error.redirected) return;
        failure.textContent = error.errmsg;
        if (error.param === "price") price.setAttribute("aria-invalid", "true");
        return;
      }
      await calendar.reload();
      result.textContent = `${nightLabel(first)} 至 ${nightLabel(last)}${done}`;
    }));
    buttons.push(button);
    return button;
  }

  return h("section", { class: "card calendar-editor", "aria-labelledby": "calendar-editor-title", "data-testid": "calendar-editor" },
    h("h3", { id: "calendar-editor-title" }, "房屋日历"),
    h("p", { class: "muted small" }, "先点开始日期，再点结束日期（只改一晚就点两次同一天），然后选择操作。灰色的日期已订出或已关闭。"),
    calendar.element,
    picked,
    h("div", { class: "calendar-actions" },
      action("关闭日期", () => ({ blocked: true }), "已关闭，房客不能预订"),
      action("开放日期", () => ({ blocked: false }), "已开放预订")),
    h("div", { class: "field" },
      h("label", { for: price.id }, "这些日期的每晚价格（元）"),
      h("div", { class: "field-inline" }, price,
        action("设置价格", () => (price.value.trim() ? { price: price.value.trim() } : "请先填写每晚价格"), "的价格已设置"))),
    h("div", { class: "calendar-actions" },
      action("恢复原价", () => ({ price: null }), "已恢复房屋原价")),
    failure,
    result);
}
