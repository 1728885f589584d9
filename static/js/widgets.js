// Pieces several pages share: labelled fields with their own error line, states, toasts, dialogs.
import { api, session } from "./api.js";
import { h, icon, ICONS, replace, todayISO } from "./dom.js";
import { loginTarget, navigate } from "./router.js";

// A form's fields by request-argument name, each with an error line right under it, so an
// error from the server lands next to the field it concerns ("_form" is the form as a whole).
// The hint and the error line describe their field (aria-describedby): a screen reader reads
// them with it.
export class Fields {
  constructor() {
    this.controls = new Map();
    this.errors = new Map();
    this.errors.set("_form", h("p", { class: "field-error form-error", role: "alert", "data-error-for": "_form" }));
  }

  row(name, label, control, { hint, extra } = {}) {
    this.controls.set(name, control);
    control.name = control.name || name;
    if (!control.id) control.id = `field-${name}`;
    const error = h("p", { class: "field-error", role: "alert", id: `${control.id}-error`, "data-error-for": name });
    this.errors.set(name, error);
    const hintLine = hint ? h("p", { class: "field-hint", id: `${control.id}-hint` }, hint) : null;
    control.setAttribute("aria-describedby", [hintLine?.id, error.id].filter(Boolean).join(" "));
    return h("div", { class: "field" },
      h("label", { for: control.id }, label),
      extra ? h("div", { class: "field-inline" }, control, extra) : control,
      hintLine,
      error);
  }

  // Runs `handler` instead of sending the form, with the previous errors cleared.
  onSubmit(form, handler) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.clear();
      handler();
    });
  }

  get formError() {
    return this.errors.get("_form");
  }

  value(name) {
    return this.controls.get(name).value.trim();
  }

  show(name, message) {
    const target = this.errors.has(name) ? name : "_form";
    this.errors.get(target).textContent = message;
    this.controls.get(target)?.setAttribute("aria-invalid", "true");
  }

  clear() {
    for (const [name, error] of this.errors) {
      error.textContent = "";
      this.controls.get(name)?.removeAttribute("aria-invalid");
    }
  }

  // Put a failed call's message next to the field the server names (`param`); `byCode` places
  // the errors that name no field (a quota, a wrong password) by their errcode.
  showApiError(error, byCode = {}) {
    const named = error.param && this.controls.has(error.param) ? error.param : null;
    this.show(named || byCode[error.errcode] || "_form", error.errmsg);
  }
}

export function submitButton(text) {
  return h("button", { class: "btn btn-primary btn-block", type: "submit" }, text);
}

// Runs `work` with the button disabled, so a double click cannot send twice.
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}

export function emptyState(text, action) {
  return h("div", { class: "state state-empty" }, icon(ICONS.empty, "icon state-icon"), h("p", {}, text), action || null);
}

export function loading() {
  return h("p", { class: "loading" }, "加载中…");
}

export function linkButton(href, text, className = "btn btn-primary") {
  return h("a", { class: className, href: "#" + href }, text);
}

export function toast(text) {
  document.querySelectorAll(".toast").forEach((earlier) => earlier.remove());
  const note = h("div", { class: "toast", role: "status" }, text);
  document.body.append(note);
  setTimeout(() => note.remove(), 2600);
}

let dialogCount = 0;

// A modal `dialog` closes (`close`) on Esc and on a click beside it; Tab and Shift+Tab go round
// inside it instead of leaving it for the browser.
export function behaveAsModal(dialog, close) {
  dialog.addEventListener("cancel", (event) => { // Esc
    event.preventDefault();
    close();
  });
  dialog.addEventListener("click", (event) => event.target === dialog && close()); // the backdrop
  dialog.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    // Of a radio group with a choice made, Tab reaches the chosen one only.
    const stops = [...dialog.querySelectorAll("button, textarea, input, select, a[href]")]
      .filter((el) => !el.disabled && el.getClientRects().length
        && !(el.type === "radio" && !el.checked && dialog.querySelector(`input[type=radio][name="${el.name}"]:checked`)));
    const [first, last] = [stops[0], stops[stops.length - 1]];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
}

// A modal asking for confirmation (and maybe some input), with buttons that say what they do:
// `keepText` leaves things as they are, `confirmText` acts. Focus starts in the input if there
// is one, else on the safe choice; it stays inside until the dialog closes (Esc, the keep
// button, a click beside it, or success), then returns to the element that opened it, or to
// `focusAfter()` when that element is gone. `onConfirm` may throw an ApiError: its message is
// shown in the dialog, which stays open.
export function openDialog({ title, body, keepText = "返回", confirmText, onConfirm, onLeave, focusAfter }) {
  const opener = document.activeElement;
  const titleId = `dialog-title-${++dialogCount}`;
  const error = h("p", { class: "field-error", role: "alert" });
  const keep = h("button", { class: "btn", type: "button" }, keepText);
  const confirm = h("button", { class: "btn btn-primary", type: "submit" }, confirmText);
  const form = h("form", { class: "dialog-body", novalidate: true },
    h("h2", { id: titleId }, title), body || null, error,
    h("div", { class: "dialog-actions" }, keep, confirm));
  const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId }, form);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    dialog.close();
    dialog.remove();
    (opener?.isConnected ? opener : focusAfter?.())?.focus();
  };
  keep.addEventListener("click", close);
  behaveAsModal(dialog, close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    await busy(confirm, async () => {
      try {
        await onConfirm();
        close();
      } catch (failure) {
        if (!failure.redirected) error.textContent = failure.errmsg || failure.message;
      }
    });
  });
  document.body.append(dialog);
  onLeave(close);
  dialog.showModal();
  (form.querySelector("textarea, input") || keep).focus();
}

let areaCache = null;

export async function areas() {
  areaCache = areaCache || api("GET", "/api/house/area").then((body) => body.data);
  try {
    return await areaCache;
  } catch (error) {
    areaCache = null;
    throw error;
  }
}

export function areaOptions(select, list, selected, emptyLabel) {
  replace(select,
    h("option", { value: "" }, emptyLabel),
    list.map((area) => h("option", { value: area.area_id, selected: String(area.area_id) === String(selected) }, area.name)));
  return select;
}

// First night and last night (inclusive), as the search and the booking both understand them.
// Neither date ever changes what was typed in the other: a last night before the first is
// reported (`problem`), not corrected, since typing a date passes through other dates.
export function datePair(startValue, endValue, { startLabel = "入住日期", endLabel = "最后一晚" } = {}) {
  const today = todayISO();
  const start = h("input", { type: "date", id: "date-start", name: "sd", min: today, value: startValue });
  const end = h("input", { type: "date", id: "date-end", name: "ed", min: startValue || today, value: endValue });
  start.addEventListener("change", () => {
    end.min = start.value || today;
  });
  const element = h("div", { class: "date-pair" },
    h("div", { class: "field" }, h("label", { for: "date-start" }, startLabel), start),
    h("div", { class: "field" }, h("label", { for: "date-end" }, endLabel), end));
  const problem = () => {
    if (start.value && start.value < today) return "入住日期不能早于今天";
    if (start.value && end.value && end.value < start.value) return "最后一晚不能早于入住日期";
    return null;
  };
  return { element, start, end, problem };
}

const HEART = "M12 20s-7.5-4.6-9.3-9C1.5 8 3.4 4.8 6.6 4.8c2.1 0 3.6 1.2 5.4 3.3 1.8-2.1 3.3-3.3 5.4-3.3 3.2 0 5.1 3.2 3.9 6.2-1.8 4.4-9.3 9-9.3 9z";

function pressHeart(button, hearted) {
  button.setAttribute("aria-pressed", String(hearted));
  button.dataset.heartKnown = "";
}

// A toggle that hearts a house or takes the heart off. Its name says which house (a list has one
// per card), aria-pressed whether it is hearted: `hearted` when known, else `markHearts` fills
// it in. Logged out, it leads to the login page, which comes back here.
export function favouriteButton(houseId, title, hearted = null) {
  const button = h("button", { class: "heart", type: "button", "data-heart": houseId, "aria-pressed": String(Boolean(hearted)),
    "aria-label": `收藏 ${title}` }, icon(HEART, "icon heart-icon"));
  if (hearted !== null) pressHeart(button, hearted);
  let sending = false; // not `disabled`: the button keeps the keyboard's focus
  button.addEventListener("click", async () => {
    if (!session.user) {
      navigate(loginTarget());
      return;
    }
    if (sending) return;
    sending = true;
    const heart = button.getAttribute("aria-pressed") !== "true";
    try {
      await api(heart ? "POST" : "DELETE", "/api/house/favourite", { json: { house_id: Number(houseId) } });
      // the same house may show twice (in two sections of the home page)
      document.querySelectorAll(`button[data-heart="${Number(houseId)}"]`).forEach((same) => pressHeart(same, heart));
      toast(heart ? "已收藏" : "已取消收藏");
    } catch (error) {
      if (!error.redirected) toast(error.errmsg);
    } finally {
      sending = false;
    }
  });
  return button;
}

// The hearts under `root` not known yet, asked about in one request (lists are cached for
// everyone, so they cannot say).
export async function markHearts(root) {
  const buttons = [...root.querySelectorAll("button[data-heart]:not([data-heart-known])")];
  if (!session.user || !buttons.length) return;
  const ids = [...new Set(buttons.map((button) => button.dataset.heart))];
  const { favourites } = await api("GET", `/api/house/favourite?house_id=${ids.join(",")}`, { redirect: false });
  const hearted = new Set(favourites.map(String));
  buttons.forEach((button) => pressHeart(button, hearted.has(button.dataset.heart)));
}

// A house's average stars and how many rated reviews make it (`rating` null: none yet), as the
// house page and the search cards show it. The star is drawn; the words say it.
export function ratingBadge(rating, count) {
  if (rating === null || rating === undefined) return h("span", { class: "rating rating-none" }, "暂无评分");
  return h("span", { class: "rating", "data-testid": "rating" },
    h("span", { class: "rating-star", "aria-hidden": "true" }, "★"),
    h("span", { class: "sr-only" }, "评分"), Number(rating).toFixed(1),
    h("span", { class: "rating-count" }, `（${count}条评分）`));
}

// One review's 1-5 stars (null: a review sent without stars shows none).
export function starsLine(stars) {
  if (!stars) return null;
  return h("span", { class: "stars", "data-testid": "stars" },
    h("span", { "aria-hidden": "true" }, "★".repeat(stars) + "☆".repeat(5 - stars)),
    h("span", { class: "sr-only" }, `${stars}星`));
}
