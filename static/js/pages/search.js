// Search: district, dates and order; pages of results load as the list is scrolled.
import { api } from "../api.js";
import { avatar, h, isISODate, photo, replace, yuan } from "../dom.js";
import { setQuery } from "../router.js";
import { areaOptions, areas, datePair, emptyState, loading, ratingBadge } from "../widgets.js";

const SORTS = [["new", "最新上线"], ["booking", "入住最多"], ["price-inc", "价格 低-高"], ["price-des", "价格 高-低"], ["rating-des", "评分最高"]];

export function houseCard(house, query = "") {
  return h("li", { class: "house-card", "data-house-id": house.house_id },
    h("a", { class: "house-card-link", href: `#/house/${Number(house.house_id)}${query}` },
      h("div", { class: "house-card-photo" },
        photo(house.image_thumb, "", "photo", house.image_url),
        h("span", { class: "price-tag" }, yuan(house.price), h("small", {}, "/晚"))),
      h("div", { class: "house-card-body" },
        avatar(house.avatar_thumb, "", "avatar avatar-landlord", house.avatar),
        h("h2", { class: "house-title" }, house.title),
        h("p", { class: "house-meta" },
          h("span", {}, `出租${house.room_count}间`), h("span", {}, `${house.order_count}次入住`),
          ratingBadge(house.rating, house.rating_count)),
        h("p", { class: "house-address" }, house.address))));
}

export async function searchPage({ view, query, onLeave }) {
  const state = {
    aid: query.get("aid") || "",
    sd: isISODate(query.get("sd")) ? query.get("sd") : "",
    ed: isISODate(query.get("ed")) ? query.get("ed") : "",
    sk: SORTS.some(([key]) => key === query.get("sk")) ? query.get("sk") : "new",
  };
  const area = h("select", { id: "filter-area" });
  const sort = h("select", { id: "filter-sort" },
    SORTS.map(([key, label]) => h("option", { value: key, selected: key === state.sk }, label)));
  const dates = datePair(state.sd, state.ed);
  const message = h("p", { class: "field-error", role: "alert" });
  const list = h("ul", { class: "house-list", "data-testid": "results", "aria-label": "搜索结果" });
  const footer = h("div", { class: "list-footer" });
  replace(view, h("div", { class: "search" },
    h("form", { class: "filters card", "aria-label": "筛选" },
      h("div", { class: "filters-row" },
        h("div", { class: "field" }, h("label", { for: "filter-area" }, "城区"), area),
        h("div", { class: "field" }, h("label", { for: "filter-sort" }, "排序"), sort)),
      dates.element, message),
    list, footer));

  let page = 0;
  let totalPages = 1;
  let generation = 0;
  let fetching = false;

  async function loadNext() {
    if (fetching || page >= totalPages) return;
    fetching = true;
    const mine = generation;
    replace(footer, loading());
    try {
      const params = new URLSearchParams({ ...Object.fromEntries(Object.entries(state).filter(([, v]) => v)), p: page + 1 });
      const body = await api("GET", "/api/house/list2?" + params);
      if (mine !== generation) return;
      page += 1;
      totalPages = body.total_page;
      const detailQuery = state.sd ? `?${new URLSearchParams({ sd: state.sd, ed: state.ed || state.sd })}` : "";
      body.data.forEach((house) => list.append(houseCard(house, detailQuery)));
      if (!list.children.length) replace(footer, emptyState("没有符合条件的房源，换个城区或日期试试"));
      else if (page >= totalPages) replace(footer, h("p", { class: "list-end" }, "没有更多房源了"));
      else replace(footer, h("button", { class: "btn btn-block", type: "button", onclick: loadNext }, "加载更多"));
    } catch (error) {
      if (mine === generation) replace(footer, h("p", { class: "field-error" }, error.errmsg));
    } finally {
      if (mine === generation) fetching = false;
    }
    // The observer only reports changes: a short page leaves the footer in view, so go on.
    if (mine === generation && page < totalPages && footer.getBoundingClientRect().top < innerHeight) loadNext();
  }

  function restart() {
    message.textContent = dates.problem() || "";
    if (message.textContent) return;
    Object.assign(state, { aid: area.value, sk: sort.value, sd: dates.start.value, ed: dates.end.value });
    setQuery(state);
    generation += 1;
    fetching = false;
    page = 0;
    totalPages = 1;
    list.replaceChildren();
    loadNext();
  }

  [area, sort, dates.start, dates.end].forEach((control) => control.addEventListener("change", restart));
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadNext();
  }, { rootMargin: "300px" });
  onLeave(() => observer.disconnect());
  areaOptions(area, await areas(), state.aid, "全部城区");
  restart();
  observer.observe(footer);
}
