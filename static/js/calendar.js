// A month calendar of one house's nights (GET /api/house/calendar): each night's state and price,
// a range picked by two taps (first night, then last night), months turned by buttons or by the
// keyboard. The arrow keys move between nights (a week up or down), PageUp/PageDown turn the month,
// Home/End go to the week's ends; only one night is in the Tab order. Each night's button says its
// date, state and price; `aria-pressed` marks the picked range.
import { api } from "./api.js";
import { addDays, h, icon, ICONS, replace, todayISO, yuan } from "./dom.js";

const WEEKDAYS = ["一", "二", "三", "四", "五", "六", "日"];
const STATES = { free: "可订", booked: "已订出", blocked: "不开放" };
const KEYS = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };

function monthOf(iso) {
  return iso.slice(0, 7);
}

function shiftMonth(month, by) {
  const [year, index] = month.split("-").map(Number);
  const shifted = new Date(Date.UTC(year, index - 1 + by, 1));
  return shifted.toISOString().slice(0, 7);
}

function weekday(iso) {
  return (new Date(iso + "T00:00:00Z").getUTCDay() + 6) % 7; // Monday first
}

export function nightLabel(iso) {
  const [, month, day] = iso.split("-").map(Number);
  return `${month}月${day}日`;
}

// `pickable(night)`: whether a night (undefined: one nobody can book) may be tapped; `whole(nights)`:
// the refusal of a range whose nights don't all suit, or null. `onChange(first, last)` follows
// every pick (`last` null until the second tap).
export function nightCalendar({ houseId, label, pickable, whole = () => null, onChange = () => {} }) {
  const months = new Map(); // "YYYY-MM" -> promise of {date: night}
  let shown = monthOf(todayISO());
  let first = null;
  let last = null;
  let focusDate = null;
  let housePrice = null;
  const title = h("h4", { class: "calendar-month", id: `calendar-month-${houseId}`, "aria-live": "polite" }, "加载中…");
  const grid = h("table", { class: "calendar-grid", "aria-labelledby": title.id, "data-testid": "calendar" });
  const note = h("p", { class: "calendar-note", role: "status", "data-testid": "calendar-note" });
  const turn = (by, text, path, className) => h("button", {
    class: `btn calendar-turn ${className}`, type: "button", "aria-label": text,
    onclick: () => show(shiftMonth(shown, by)),
  }, icon(path));
  const element = h("section", { class: "calendar", "aria-label": label },
    h("div", { class: "calendar-head" }, turn(-1, "上个月", ICONS.back, "calendar-prev"), title,
      turn(1, "下个月", ICONS.chevron, "calendar-next")),
    grid,
    h("p", { class: "calendar-legend muted small" },
      h("span", { class: "calendar-key calendar-key-free" }), "可订 ",
      h("span", { class: "calendar-key calendar-key-taken" }), "已订出或不开放 ",
      h("span", { class: "calendar-key calendar-key-picked" }), "已选"),
    note);

  function load(month) {
    if (!months.has(month)) {
      const loading = api("GET", `/api/house/calendar?house_id=${houseId}&from=${month}-01&months=1`)
        .then((body) => {
          housePrice = body.data.price;
          return new Map(body.data.nights.map((night) => [night.date, night]));
        });
      loading.catch(() => months.delete(month));
      months.set(month, loading);
    }
    return months.get(month);
  }

  // The nights from `start` to `end`, each with its state and price (undefined where nobody can book).
  async function between(start, end) {
    const dates = [];
    for (let date = start; date <= end; date = addDays(date, 1)) dates.push(date);
    const loaded = await Promise.all([...new Set(dates.map(monthOf))].map(load));
    const all = new Map(loaded.flatMap((month) => [...month]));
    return dates.map((date) => all.get(date) || { date, status: undefined, price: null });
  }

  // The night's button: its day and price shown, its month, weekday, state and whole price said
  // around them, so that the name read out contains what is seen.
  function nightButton(date, night) {
    const state = night ? STATES[night.status] : "不可订";
    const picked = date === first ? "，入住首晚" : date === last ? "，最后一晚" : "";
    const price = night ? yuan(night.price) : "";
    const shownPrice = price.replace(/\.\d+$/, "");
    const said = (text) => (text ? h("span", { class: "sr-only" }, text) : null);
    return [said(`${Number(date.slice(5, 7))}月`),
      h("span", { class: "calendar-day" }, Number(date.slice(8))),
      said(`日 星期${WEEKDAYS[weekday(date)]}，${state}${night ? "，" : ""}`),
      h("span", { class: "calendar-price" }, shownPrice, said(price.slice(shownPrice.length))),
      said(picked)];
  }

  function inRange(date) {
    return first && (date === first || (last && date >= first && date <= last));
  }

  async function show(month, focus = false) {
    shown = month;
    let nights;
    try {
      nights = await load(month);
    } catch (error) {
      if (!error.redirected) note.textContent = error.errmsg || error.message;
      return;
    }
    if (shown !== month) return; // another month was asked for meanwhile
    title.textContent = `${Number(month.slice(5))}月 ${month.slice(0, 4)}`;
    const days = [];
    for (let date = `${month}-01`; monthOf(date) === month; date = addDays(date, 1)) days.push(date);
    if (!focusDate || monthOf(focusDate) !== month) {
      focusDate = days.find((date) => pickable(nights.get(date))) || days[0];
    }
    const cells = [...Array(weekday(days[0])).fill(null), ...days];
    const rows = [];
    for (let i = 0; i < cells.length; i += 7) rows.push(cells.slice(i, i + 7));
    replace(grid,
      h("thead", {}, h("tr", {}, WEEKDAYS.map((day) => h("th", { scope: "col", abbr: `星期${day}` }, day)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, row.map((date) => {
        if (!date) return h("td", {});
        const night = nights.get(date);
        const open = pickable(night);
        const button = h("button", {
          type: "button",
          class: [`calendar-night calendar-${night ? night.status : "closed"}`, inRange(date) && "calendar-picked",
            night && night.price !== housePrice && "calendar-own-price"].filter(Boolean).join(" "),
          "data-date": date,
          tabindex: date === focusDate ? "0" : "-1",
          "aria-pressed": inRange(date) ? "true" : "false",
          "aria-disabled": open ? null : "true",
          onclick: () => tap(date, night),
          onkeydown: (event) => key(event, date),
        }, nightButton(date, night));
        return h("td", {}, button);
      })))));
    if (focus) grid.querySelector(`[data-date="${focusDate}"]`)?.focus();
  }

  async function tap(date, night) {
    focusDate = date;
    if (!pickable(night)) {
      note.textContent = `${nightLabel(date)}${night ? STATES[night.status] : "不可订"}，不能选择`;
      return;
    }
    if (!first || last || date < first) {
      first = date;
      last = null;
      note.textContent = `已选入住首晚 ${nightLabel(date)}，请再选最后一晚`;
    } else {
      const refusal = whole(await between(first, date));
      if (refusal) {
        note.textContent = refusal;
        return;
      }
      last = date;
      note.textContent = `已选 ${nightLabel(first)} 至 ${nightLabel(last)}`;
    }
    await show(shown, true);
    onChange(first, last);
  }

  function key(event, date) {
    let target = null;
    if (event.key in KEYS) target = addDays(date, KEYS[event.key]);
    else if (event.key === "Home") target = addDays(date, -weekday(date));
    else if (event.key === "End") target = addDays(date, 6 - weekday(date));
    else if (event.key === "PageUp" || event.key === "PageDown") {
      const month = shiftMonth(monthOf(date), event.key === "PageUp" ? -1 : 1);
      target = `${month}-${String(Math.min(Number(date.slice(8)), 28)).padStart(2, "0")}`;
    }
    if (!target) return;
    event.preventDefault();
    focusDate = target;
    show(monthOf(target), true);
  }

  show(shown);
  return {
    element,
    between,
    // Show `start`..`end` as picked (typed in the date fields), without calling onChange.
    pick(start, end) {
      first = start || null;
      last = start && end && end >= start ? end : null;
      if (first) focusDate = first;
      return show(first ? monthOf(first) : shown);
    },
    // Forget what was read (after a change) and draw the month again.
    reload() {
      months.clear();
      return show(shown);
    },
    range: () => [first, last],
  };
}
