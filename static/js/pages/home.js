// Home: a carousel of the most booked houses, then district and dates leading to the search,
// then rows of real listings, each a search the "查看更多" link opens in full.
import { api } from "../api.js";
import { houseCard } from "../cards.js";
import { h, icon, ICONS, photo, replace } from "../dom.js";
import { navigate } from "../router.js";
import { areaOptions, datePair, linkButton, markHearts } from "../widgets.js";

const SLIDE_SECONDS = 5;
// One row on a desktop; the rest are a tap on "查看更多" away.
const SECTION_HOUSES = 4;
// The districts most visitors ask for, in that order (ids of the reference data, which never
// change); the first ones that have houses get a row of their own.
const POPULAR_AREAS = [3, 4, 1, 2];
const AREA_ROWS = 2;

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
  const sections = h("div", { class: "home-sections" });
  replace(view, h("div", { class: "home" }, top, form,
    h("nav", { class: "home-links", "aria-label": "快捷入口" },
      linkButton("/search", "浏览全部房源", "btn"), linkButton("/my/houses", "我是房东", "btn")),
    sections));
  const body = await api("GET", "/api/house/index");
  replace(top, carousel(body.houses, onLeave));
  areaOptions(area, body.areas, "", "全部城区");
  listings(sections, body.areas); // under the fold: the page is ready without them
}

// The sections under the search: the best rated, the newest, and popular districts by bookings.
// The container is aria-busy until every section has come or gone.
async function listings(container, areaList) {
  container.setAttribute("aria-busy", "true");
  const named = new Map(areaList.map((item) => [Number(item.area_id), item.name]));
  const sections = [
    section("home-rated", "评分最高", { sk: "rating-des" }, (house) => house.rating !== null),
    section("home-new", "最新上架", { sk: "new" }),
  ];
  container.append(...sections.map((item) => item.element));
  const areaSections = POPULAR_AREAS.filter((id) => named.has(id))
    .map((id) => section(`home-area-${id}`, `热门区域 · ${named.get(id)}`, { aid: id, sk: "booking" }));
  await Promise.all(sections.map((item) => item.load()));
  // Districts one by one, until enough rows have houses; an empty one is never shown.
  let shown = 0;
  for (const item of areaSections) {
    if (shown >= AREA_ROWS) break;
    if (await item.load()) shown += 1;
    if (!item.element.hidden) container.append(item.element);
  }
  container.removeAttribute("aria-busy");
}

// A titled row of the first houses of a search (those `shows` admits), with a link to the whole
// search. While it loads it says so (and is aria-busy); it goes away when it has no house or
// the search is one the server does not offer (4103, an order it does not know); other failures
// offer a retry.
function section(id, title, criteria, shows = () => true) {
  const query = new URLSearchParams(criteria).toString();
  const list = h("ul", { class: "house-list home-row" });
  const status = h("div", { class: "home-section-status" });
  const element = h("section", { class: "home-section", "aria-labelledby": id },
    h("div", { class: "home-section-head" },
      h("h2", { id }, title),
      h("a", { class: "more-link", href: `#/search?${query}` }, "查看更多", h("span", { class: "sr-only" }, title))),
    list, status);

  async function load() {
    element.hidden = false;
    element.setAttribute("aria-busy", "true");
    replace(status, h("p", { class: "loading" }, "加载中…"));
    try {
      const body = await api("GET", `/api/house/list2?${query}&p=1`);
      const houses = body.data.filter(shows).slice(0, SECTION_HOUSES);
      replace(list, houses.map((house) => houseCard(house, { heading: "h3" })));
      markHearts(list).catch(() => {}); // the cards work without their hearts' state
      replace(status);
      element.hidden = !list.children.length;
    } catch (error) {
      replace(status);
      if (error.errcode === "4103") {
        element.hidden = true;
      } else {
        replace(status, h("div", { class: "state state-error" },
          h("p", { role: "alert" }, error.errmsg),
          h("button", { class: "btn", type: "button", onclick: load }, "重试")));
      }
    } finally {
      element.removeAttribute("aria-busy");
    }
    return !element.hidden;
  }
  return { element, load };
}
