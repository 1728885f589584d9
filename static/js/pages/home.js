// Home: a carousel of the most booked houses, then district and dates leading to the search.
import { api } from "../api.js";
import { h, icon, ICONS, photo, replace } from "../dom.js";
import { navigate } from "../router.js";
import { areaOptions, datePair, linkButton } from "../widgets.js";

const SLIDE_SECONDS = 5;

// The most booked houses, one at a time. It turns by itself only while nobody is using it:
// never under prefers-reduced-motion, and it stops for good once focus enters it or its pause
// button is pressed (WCAG 2.2.2), so a focused slide is never moved out of view.
function carousel(houses, onLeave) {
  if (!houses.length) {
    return h("section", { class: "carousel carousel-empty", "aria-label": "热门房源" },
      h("p", {}, "还没有房源上线，来发布第一套吧"), linkButton("/my/houses", "发布房源"));
  }
  const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  const behavior = reducedMotion ? "auto" : "smooth";
  const slides = h("div", { class: "slides" }, houses.map((house, index) =>
    h("a", { class: "slide", href: `#/house/${Number(house.house_id)}`, "aria-label": `${house.title}（第${index + 1}套，共${houses.length}套）` },
      photo(house.img_thumb, "", "slide-photo", house.img_url),
      h("span", { class: "slide-title" }, house.title))));
  const show = (index) => slides.scrollTo({ left: index * slides.clientWidth, behavior });
  const dots = houses.map((house, index) => h("button", {
    class: "dot", type: "button", "aria-label": `第${index + 1}套：${house.title}`,
    onclick: () => { stop(); show(index); },
  }));
  const current = () => Math.round(slides.scrollLeft / Math.max(slides.clientWidth, 1));
  const markDot = () => dots.forEach((dot, index) => dot.setAttribute("aria-current", String(index === current())));
  slides.addEventListener("scroll", markDot, { passive: true });
  markDot();

  let timer = null;
  const pause = h("button", { class: "carousel-pause", type: "button", hidden: true });
  function stop() {
    clearInterval(timer);
    timer = null;
    pause.textContent = "播放";
    pause.setAttribute("aria-label", "自动播放热门房源");
  }
  function play() {
    timer = setInterval(() => show((current() + 1) % houses.length), SLIDE_SECONDS * 1000);
    pause.textContent = "暂停";
    pause.setAttribute("aria-label", "暂停自动播放");
  }
  pause.addEventListener("click", () => (timer ? stop() : play()));
  onLeave(() => clearInterval(timer));
  const section = h("section", { class: "carousel", "aria-label": "热门房源" }, slides,
    h("div", { class: "carousel-controls" }, dots, pause));
  if (houses.length > 1 && !reducedMotion) {
    pause.hidden = false;
    play();
    section.addEventListener("focusin", (event) => { if (event.target !== pause && timer) stop(); });
  }
  return section;
}

export async function homePage({ view, onLeave }) {
  const area = h("select", { id: "home-area" });
  const dates = datePair("", "");
  const error = h("p", { class: "field-error", role: "alert" });
  const form = h("form", { class: "card search-card", "aria-labelledby": "home-search-title" },
    h("h2", { id: "home-search-title" }, "找个舒服的住处"),
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
    h("nav", { class: "home-links", "aria-label": "快捷入口" },
      linkButton("/search", "浏览全部房源", "btn"), linkButton("/my/houses", "我是房东", "btn"))));
  const body = await api("GET", "/api/house/index");
  replace(top, carousel(body.houses, onLeave));
  areaOptions(area, body.areas, "", "全部城区");
}
