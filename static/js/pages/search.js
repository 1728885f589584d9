// Search: district, dates and order, and more filters (price, guests, facilities, a keyword) in
// a sheet: a dialog on a phone, a side panel on a wide screen. Every criterion is kept in the
// address, so a reload or a shared link shows the same search. Pages of results load as the
// list is scrolled.
import { api } from "../api.js";
import { houseCard } from "../cards.js";
import { fenOf, h, isISODate, replace, yuanAmount } from "../dom.js";
import { FACILITIES, facilityCheckboxes } from "../facilities.js";
import { setQuery } from "../router.js";
import { areaOptions, areas, behaveAsModal, datePair, emptyState, Fields, loading, markHearts } from "../widgets.js";

const SORTS = [["new", "最新上线"], ["rating-des", "评分最高"], ["booking", "入住最多"], ["price-inc", "价格 低-高"],
  ["price-des", "价格 高-低"]];
const GUEST_CHOICES = 10;
const KEYWORD_LONGEST = 32;
// From this width the filters are a side panel always in view; narrower, a sheet opened on demand.
const WIDE = "(min-width: 960px)";
const COUNT_RE = /^\d{1,9}$/;
const KNOWN_FACILITIES = new Set(FACILITIES.map((facility) => String(facility.id)));

// The search in the address, as the API's parameters; what cannot be one is left out.
function criteria(query) {
  const count = (name) => (COUNT_RE.test(query.get(name) || "") ? String(Number(query.get(name))) : "");
  const date = (name) => (isISODate(query.get(name)) ? query.get(name) : "");
  return {
    aid: query.get("aid") || "",
    sd: date("sd"),
    ed: date("ed"),
    sk: SORTS.some(([key]) => key === query.get("sk")) ? query.get("sk") : "new",
    price_min: count("price_min"),
    price_max: count("price_max"),
    capacity: count("capacity") === "0" ? "" : count("capacity"),
    facility: (query.get("facility") || "").split(",").filter((id) => KNOWN_FACILITIES.has(id)).join(","),
    keyword: (query.get("keyword") || "").trim().slice(0, KEYWORD_LONGEST),
  };
}

// How many of the sheet's filters are in use: each price bound, guests, the keyword, each facility.
function activeFilters(state) {
  const facilities = state.facility ? state.facility.split(",").length : 0;
  return ["price_min", "price_max", "capacity", "keyword"].filter((name) => state[name]).length + facilities;
}

export async function searchPage({ view, query, onLeave }) {
  const state = criteria(query);
  const fields = new Fields();
  const area = h("select", { id: "filter-area" });
  const sort = h("select", { id: "filter-sort" },
    SORTS.map(([key, label]) => h("option", { value: key, selected: key === state.sk }, label)));
  const dates = datePair(state.sd, state.ed);
  const list = h("ul", { class: "house-list", "data-testid": "results", "aria-label": "搜索结果" });
  const footer = h("div", { class: "list-footer" });

  // The sheet of more filters: one form, moved between the phone's dialog and the side panel.
  const priceMin = h("input", { type: "text", id: "filter-price-min", inputmode: "decimal", autocomplete: "off" });
  const priceMax = h("input", { type: "text", id: "filter-price-max", inputmode: "decimal", autocomplete: "off" });
  const capacity = h("select", { id: "filter-capacity" }, h("option", { value: "" }, "不限"),
    Array.from({ length: GUEST_CHOICES }, (_, index) => h("option", { value: String(index + 1) }, `${index + 1}人`)));
  const keyword = h("input", { type: "text", id: "filter-keyword", maxlength: KEYWORD_LONGEST, enterkeyhint: "search" });
  const facilityChoices = facilityCheckboxes("facility");
  const clear = h("button", { class: "btn", type: "button" }, "清除筛选");
  const close = h("button", { class: "btn sheet-close", type: "button" }, "关闭");
  const sheet = h("form", { class: "filter-sheet", "aria-labelledby": "filter-sheet-title", novalidate: true },
    h("div", { class: "filter-sheet-head" }, h("h2", { id: "filter-sheet-title" }, "筛选"), close),
    h("div", { class: "price-pair" },
      fields.row("price_min", "最低价（元/晚）", priceMin), fields.row("price_max", "最高价（元/晚）", priceMax)),
    fields.row("capacity", "入住人数", capacity),
    fields.row("keyword", "关键词", keyword, { hint: "标题或地址中的字词" }),
    h("fieldset", { class: "facility-filter" }, h("legend", {}, "设施（需全部具备）"), facilityChoices),
    h("div", { class: "filter-actions" }, clear, h("button", { class: "btn btn-primary", type: "submit" }, "显示结果")));
  const dialog = h("dialog", { class: "dialog filter-dialog", "aria-labelledby": "filter-sheet-title" });
  const panel = h("div", { class: "filter-panel card" });
  // The count shows as a badge, and is read as words.
  const activeCount = h("span", { class: "filter-count", "aria-hidden": "true" });
  const activeWords = h("span", { class: "sr-only" });
  const opener = h("button", { class: "btn btn-block filter-open", type: "button", "aria-haspopup": "dialog",
    "data-testid": "filter-open" }, "筛选", activeWords, activeCount);

  replace(view, h("div", { class: "search" },
    h("div", { class: "search-side" },
      h("form", { class: "filters card", "aria-label": "搜索条件" },
        h("div", { class: "filters-row" }, fields.row("aid", "城区", area), fields.row("sk", "排序", sort)),
        dates.element, fields.formError),
      opener, panel),
    h("div", { class: "search-results" }, list, footer),
    dialog));

  // The sheet shows the filters in use: what was typed but not applied is dropped on closing.
  function showState() {
    priceMin.value = state.price_min ? yuanAmount(Number(state.price_min)) : "";
    priceMax.value = state.price_max ? yuanAmount(Number(state.price_max)) : "";
    if (state.capacity && !capacity.querySelector(`option[value="${state.capacity}"]`)) {
      capacity.append(h("option", { value: state.capacity }, `${state.capacity}人`));
    }
    capacity.value = state.capacity;
    keyword.value = state.keyword;
    const chosen = new Set(state.facility.split(","));
    facilityChoices.querySelectorAll("input").forEach((box) => { box.checked = chosen.has(box.value); });
    const active = activeFilters(state);
    activeCount.textContent = active || "";
    activeWords.textContent = active ? `（已选${active}项）` : "";
  }

  // The sheet's values as the API takes them (fen, ids), or null after showing what is wrong.
  function sheetValues() {
    const values = {
      capacity: capacity.value,
      keyword: keyword.value.trim(),
      facility: [...facilityChoices.querySelectorAll("input:checked")].map((box) => box.value).join(","),
    };
    for (const [name, input] of [["price_min", priceMin], ["price_max", priceMax]]) {
      const fen = input.value.trim() ? fenOf(input.value) : "";
      if (fen === null) {
        fields.show(name, "请输入金额，最多两位小数");
        input.focus();
        return null;
      }
      values[name] = String(fen);
    }
    return values;
  }

  const wide = matchMedia(WIDE);
  function place() {
    const focused = sheet.contains(document.activeElement) ? document.activeElement : null;
    if (wide.matches) {
      if (dialog.open) dialog.close();
      panel.append(sheet);
    } else {
      dialog.append(sheet);
    }
    focused?.focus(); // moving it took the focus away
  }
  function closeSheet() {
    if (!dialog.open) return;
    dialog.close();
    showState();
    opener.focus();
  }
  opener.addEventListener("click", () => {
    dialog.showModal();
    priceMin.focus();
  });
  close.addEventListener("click", closeSheet);
  behaveAsModal(dialog, closeSheet);
  wide.addEventListener("change", place);
  onLeave(() => wide.removeEventListener("change", place));

  let page = 0;
  let totalPages = 1;
  let generation = 0;
  let fetching = false;

  // A failure the server pins on a field is shown beside it (and in the list too while that
  // field is out of sight, in the closed sheet); others under the list.
  function showError(error) {
    const control = fields.controls.get(error.param);
    if (control) fields.showApiError(error);
    if (!control || !control.getClientRects().length) replace(footer, h("p", { class: "field-error" }, error.errmsg));
    else replace(footer);
  }

  // Loads the next page of results; the first page's failure is returned.
  async function loadNext() {
    if (fetching || page >= totalPages) return null;
    fetching = true;
    const mine = generation;
    replace(footer, loading());
    try {
      const params = new URLSearchParams({ ...Object.fromEntries(Object.entries(state).filter(([, v]) => v)), p: page + 1 });
      const body = await api("GET", "/api/house/list2?" + params);
      if (mine !== generation) return null;
      page += 1;
      totalPages = body.total_page;
      const detailQuery = state.sd ? `?${new URLSearchParams({ sd: state.sd, ed: state.ed || state.sd })}` : "";
      body.data.forEach((house) => list.append(houseCard(house, { query: detailQuery })));
      markHearts(list).catch(() => {}); // the cards work without their hearts' state
      if (!list.children.length) {
        replace(footer, emptyState(activeFilters(state)
          ? "没有符合条件的房源，换个城区、日期或筛选条件试试" : "没有符合条件的房源，换个城区或日期试试"));
      } else if (page >= totalPages) {
        replace(footer, h("p", { class: "list-end" }, "没有更多房源了"));
      } else {
        replace(footer, h("button", { class: "btn btn-block", type: "button", onclick: loadNext }, "加载更多"));
      }
    } catch (error) {
      if (mine === generation) showError(error);
      return page === 0 ? error : null;
    } finally {
      if (mine === generation) fetching = false;
    }
    // The observer only reports changes: a short page leaves the footer in view, so go on.
    if (mine === generation && page < totalPages && footer.getBoundingClientRect().top < innerHeight) loadNext();
    return null;
  }

  function run() {
    setQuery(state);
    showState();
    generation += 1;
    fetching = false;
    page = 0;
    totalPages = 1;
    list.replaceChildren();
    return loadNext();
  }

  function changeTop() {
    fields.clear();
    const problem = dates.problem();
    if (problem) return fields.show("_form", problem);
    Object.assign(state, { aid: area.value, sk: sort.value, sd: dates.start.value, ed: dates.end.value });
    return run();
  }

  fields.onSubmit(sheet, async () => {
    const values = sheetValues();
    if (!values) return;
    Object.assign(state, values);
    const error = await run();
    // The sheet stays open on a filter the server refused, beside which the reason now shows.
    if (!(error && sheet.contains(fields.controls.get(error.param)))) closeSheet();
  });
  clear.addEventListener("click", () => {
    [priceMin, priceMax, capacity, keyword].forEach((control) => { control.value = ""; });
    facilityChoices.querySelectorAll("input").forEach((box) => { box.checked = false; });
    sheet.requestSubmit();
  });
  [area, sort, dates.start, dates.end].forEach((control) => control.addEventListener("change", changeTop));
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadNext();
  }, { rootMargin: "300px" });
  onLeave(() => observer.disconnect());
  place();
  areaOptions(area, await areas(), state.aid, "全部城区");
  changeTop();
  observer.observe(footer);
}
