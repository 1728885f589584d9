// My favourites: the houses I hearted, newest heart first, a page at a time. A heart taken off
// here leaves its card in place (pressed again, it comes back), so the pages do not shift.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { houseCard } from "../cards.js";
import { emptyState, linkButton } from "../widgets.js";

function pager(page, totalPages) {
  const to = (target, label) => (target >= 1 && target <= totalPages
    ? linkButton(`/my/favourites?p=${target}`, label, "btn") : h("span", { class: "pager-gap" }));
  return h("nav", { class: "pager", "aria-label": "收藏分页" },
    to(page - 1, "上一页"),
    h("span", { class: "pager-at", "data-testid": "favourites-page" }, `第 ${page} / ${totalPages} 页`),
    to(page + 1, "下一页"));
}

export async function favouritesPage({ view, query }) {
  const asked = Number(query.get("p"));
  const page = Number.isInteger(asked) && asked >= 1 ? asked : 1;
  const { houses, total_page: totalPages } = await api("GET", `/api/user/favourites?p=${page}`);
  if (!houses.length) {
    replace(view, page > 1 && totalPages
      ? emptyState("这一页没有收藏了", linkButton("/my/favourites", "回到第一页"))
      : emptyState("还没有收藏的房源，点房源上的心形按钮就能收藏", linkButton("/search", "去找房子")));
    return;
  }
  replace(view, h("div", { class: "favourites" },
    h("ul", { class: "house-list", "data-testid": "favourites", "aria-label": "我的收藏" },
      houses.map((house) => houseCard(house, { hearted: true }))),
    totalPages > 1 ? pager(page, totalPages) : null));
}
