// Home: a carousel of the most booked houses, then district and dates leading to the search.
import { api } from "../api.js";
import { h, icon, ICONS, photo, replace } from "../dom.js";
import { navigate } from "../router.js";
import { areaOptions, datePair, linkButton } from "../widgets.js";

const SLIDE_SECONDS = 4;

function carousel(houses, onLeave) {
  if (!houses.length) {
    return h("section", { class: "carousel carousel-empty" },
      h("p", {}, "还没有房源上线，来发布第一套吧"), linkButton("/my/houses", "发布房源"));
  }
  const slides = h("div", { class: "slides" }, houses.map((house) =>
    h("a", { class: "slide", href: `#/house/${Number(house.house_id)}` },
      photo(house.img_url, house.title, "slide-photo"),
      h("span", { class: "slide-title" }, house.title))));
  const dots = houses.map((_, index) => h("button", {
    class: "dot", type: "button", "aria-label": `第${index + 1}张`,
    onclick: () => slides.scrollTo({ left: index * slides.clientWidth, behavior: "smooth" }),
  }));
  const current = () => Math.round(slides.scrollLeft / Math.max(slides.clientWidth, 1));
  const markDot = () => dots.forEach((dot, index) => dot.classList.toggle("active", index === current()));
  slides.addEventListener("scroll", markDot, { passive: true });
  markDot();
  if (houses.length > 1) {
    const timer = setInterval(() => {
      const next = (current() + 1) % houses.length;
      slides.scrollTo({ left: next * slides.clientWidth, behavior: "smooth" });
    }, SLIDE_SECONDS * 1000);
    onLeave(() => clearInterval(timer));
  }
  return h("section", { class: "carousel", "aria-label": "热门房源" }, slides, h("div", { class: "dots" }, dots));
}

export async function homePage({ view, onLeave }) {
  const area = h("select", { id: "home-area" });
  const dates = datePair("", "");
  const error = h("p", { class: "field-error", role: "alert" });
  const form = h("form", { class: "card search-card" },
    h("h2", {}, "找个舒服的住处"),
    h("div", { class: "field" }, h("label", { for: "home-area" }, "城区"), area),
    dates.element,
    error,
    h("button", { class: "btn btn-primary btn-block", type: "submit" }, icon(ICONS.search), "搜索房源"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const problem = dates.problem();
    error.textContent = problem || "";
    if (problem) return;
    const query = new URLSearchParams(Object.entries({ aid: area.value, sd: dates.start.value, ed: dates.end.value })
      .filter(([, value]) => value));
    navigate("/search" + (query.toString() ? "?" + query : ""));
  });
  const top = h("div", { class: "carousel-slot" }, h("div", { class: "carousel carousel-loading" }));
  replace(view, h("div", { class: "home" }, top, form,
    h("nav", { class: "home-links" },
      linkButton("/search", "浏览全部房源", "btn"), linkButton("/my/houses", "我是房东", "btn"))));
  const body = await api("GET", "/api/house/index");
  replace(top, carousel(body.houses, onLeave));
  areaOptions(area, body.areas, "", "全部城区");
}
