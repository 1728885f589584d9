// Booking: pick the first and last night, on the month calendar (two taps) or in the date fields;
// each night's price and the total follow live; the house's limits and taken nights hold.
import { api, session } from "../api.js";
import { nightCalendar, nightLabel } from "../calendar.js";
import { addDays, h, inclusiveNights, isISODate, photo, replace, todayISO, yuan } from "../dom.js";
import { navigate, setQuery } from "../router.js";
import { busy, datePair, toast } from "../widgets.js";
import { stayLimits } from "./house.js";

const DATES_TAKEN = "4004";
// The longest stay whose nights the page reads from the calendar (a year; no booking is longer).
const CALENDAR_NIGHTS = 366;

// Why a stay (its nights from the calendar) cannot be booked: a night nobody can book; or null.
function takenNight(stay) {
  const taken = stay.find((night) => night.status !== "free");
  return taken ? `所选日期中${nightLabel(taken.date)}不可订，请重新选择` : null;
}

export async function bookingPage({ view, params, query }) {
  const house = (await api("GET", `/api/house/info?house_id=${params[0]}`)).data;
  const firstNight = isISODate(query.get("sd")) && query.get("sd") >= todayISO() ? query.get("sd") : "";
  const lastNight = firstNight && isISODate(query.get("ed")) && query.get("ed") >= firstNight ? query.get("ed") : "";
  const dates = datePair(firstNight, lastNight);
  const nights = h("strong", { "data-testid": "nights" }, "-");
  const total = h("strong", { "data-testid": "total" }, "-");
  const nightPrices = h("ul", { class: "night-prices", "data-testid": "night-prices", "aria-label": "每晚价格" });
  const calendar = nightCalendar({
    houseId: house.hid,
    label: "入住日历",
    pickable: (night) => night?.status === "free",
    whole: takenNight,
    onChange: (start, end) => {
      dates.start.value = start;
      dates.end.value = end || "";
      lastNightTyped = Boolean(end);
      check();
    },
  });
  let checking = 0;
  const problem = h("p", { class: "field-error", role: "alert", "data-testid": "booking-error" });
  const taken = h("div", { class: "alert", role: "alert", "data-testid": "dates-taken", hidden: true });
  const submit = h("button", { class: "btn btn-primary btn-block", type: "submit", disabled: true }, "提交订单");

  async function check() {
    const mine = ++checking;
    taken.hidden = true;
    const start = dates.start.value;
    const end = dates.end.value;
    setQuery({ sd: start, ed: end });
    let message = dates.problem();
    const count = start && end && !message ? inclusiveNights(start, end) : 0;
    if (!message && count && count < house.min_days) message = `本房源至少入住${house.min_days}晚`;
    if (!message && count && house.max_days && count > house.max_days) message = `本房源最多入住${house.max_days}晚`;
    nights.textContent = count ? `${count}晚` : "-";
    total.textContent = "-";
    nightPrices.replaceChildren();
    problem.textContent = message || "";
    submit.disabled = true;
    const [pickedFirst, pickedLast] = calendar.range();
    if ((start || null) !== pickedFirst || (end || null) !== pickedLast) calendar.pick(start, end); // typed dates
    if (message || !count) return;
    if (count > CALENDAR_NIGHTS) { // longer than a booking may be: the server's answer says so
      submit.disabled = false;
      return;
    }
    let stay;
    try {
      stay = await calendar.between(start, end);
    } catch (error) {
      if (mine === checking && !error.redirected) problem.textContent = error.errmsg;
      return;
    }
    if (mine !== checking) return; // the dates changed meanwhile
    const refusal = takenNight(stay);
    if (refusal) {
      problem.textContent = refusal;
      return;
    }
    replace(nightPrices, stay.map((night) => h("li", {}, h("span", {}, nightLabel(night.date)), h("span", {}, yuan(night.price)))));
    total.textContent = yuan(stay.reduce((sum, night) => sum + night.price, 0));
    submit.disabled = false;
  }

  // Until the guest picks the last night, it follows the first at the house's shortest stay.
  // Typing a date passes through other dates (each digit of the year): following each of them
  // keeps the suggestion right, and nothing the guest typed is ever replaced.
  let lastNightTyped = Boolean(lastNight);
  dates.end.addEventListener("input", () => { lastNightTyped = Boolean(dates.end.value); });
  dates.start.addEventListener("change", () => {
    if (!lastNightTyped && isISODate(dates.start.value)) dates.end.value = addDays(dates.start.value, house.min_days - 1);
  });
  [dates.start, dates.end].forEach((input) => input.addEventListener("change", check));
  [dates.start, dates.end].forEach((input) => input.addEventListener("input", check));

  const form = h("form", { class: "card booking-form", "aria-labelledby": "booking-dates" },
    h("h3", { id: "booking-dates" }, "选择日期"), calendar.element,
    h("p", { class: "muted small" }, "在日历上先点入住首晚，再点最后一晚；也可以直接填写日期："), dates.element,
    h("p", { class: "muted" }, `入住晚数按首晚到最后一晚计算（含首尾），本房源可订${stayLimits(house)}。`),
    h("dl", { class: "booking-summary" },
      h("dt", {}, "单价"), h("dd", {}, `${yuan(house.price)}/晚`),
      h("dt", {}, "入住"), h("dd", {}, nights),
      h("dt", {}, "每晚"), h("dd", {}, nightPrices),
      h("dt", {}, "总价"), h("dd", { class: "booking-total" }, total)),
    problem, taken, submit);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        const body = await api("POST", "/api/order",
          { json: { house_id: house.hid, start_date: dates.start.value, end_date: dates.end.value } });
        toast(`预订成功（订单号 ${body.order_id}），等待房东接单`);
        navigate("/orders", { replace: true });
      } catch (error) {
        if (error.redirected) return;
        if (error.errcode === DATES_TAKEN) {
          replace(taken, h("strong", {}, "手慢了，所选日期刚刚被别人订走了"), h("span", {}, error.errmsg));
          taken.hidden = false;
        } else {
          problem.textContent = error.errmsg;
        }
      }
    });
  });

  const own = session.user && Number(session.user.user_id) === Number(house.user_id);
  replace(view, h("div", { class: "booking" },
    h("section", { class: "card booking-house" },
      photo(house.image_thumbs?.[0], "", "booking-photo", house.images[0]),
      h("div", {}, h("h2", { "data-testid": "house-title" }, house.title), h("p", { class: "price" }, `${yuan(house.price)}/晚`))),
    own ? h("p", { class: "alert" }, "这是您自己的房源，不能预订") : form));
  check();
}
