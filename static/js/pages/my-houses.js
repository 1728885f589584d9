// My houses: the landlord's list, where a house is taken down; publishing needs a verified real
// name first.
import { api } from "../api.js";
import { h, photo, replace, yuan } from "../dom.js";
import { emptyState, linkButton, openDialog, toast } from "../widgets.js";

function summary(house) {
  return [
    photo(house.img_thumb, "", "house-row-photo", house.img_url),
    h("div", { class: "house-row-body" },
      h("h2", { class: "house-title" }, house.title),
      h("p", { class: "muted" }, `${house.area_name} · ${yuan(house.price)}/晚 · ${house.order_count}次入住`),
      house.listed
        ? h("p", { class: "muted small" }, `发布于 ${house.ctime}`)
        : h("p", { class: "taken-down small", tabindex: "-1" }, `已下架 · ${house.taken_down_time}`)),
  ];
}

// A house taken down has no page any more: its row is not a link, and it has no button.
function myHouse(house, onLeave) {
  if (!house.listed) {
    return h("li", { class: "house-row house-row-down", "data-house-id": house.house_id },
      h("div", { class: "house-row-main" }, summary(house)));
  }
  const row = h("li", { class: "house-row", "data-house-id": house.house_id },
    h("a", { class: "house-row-main", href: `#/house/${Number(house.house_id)}` }, summary(house)));
  const takeDown = h("button", { class: "btn btn-small", type: "button", "aria-label": `下架 ${house.title}` }, "下架");
  takeDown.addEventListener("click", () => openDialog({
    title: `下架“${house.title}”？`,
    body: h("p", {}, "下架后房源将不再出现在搜索、首页和房客的收藏中，也不能再被预订；已有的订单记录会保留。下架后不能重新上架。"),
    keepText: "暂不下架",
    confirmText: "确认下架",
    onConfirm: async () => {
      await api("POST", "/api/house/takedown", { json: { house_id: house.house_id } });
      const { houses } = await api("GET", "/api/house/my");
      const now = houses.find((found) => found.house_id === house.house_id);
      const replacement = myHouse(now, onLeave);
      row.replaceWith(replacement);
      toast("已下架");
    },
    onLeave,
    focusAfter: () => document.querySelector(`[data-house-id="${Number(house.house_id)}"] .taken-down`),
  }));
  row.append(takeDown);
  return row;
}

// What a landlord who has not verified a real name sees instead of publishing, on "my houses"
// and on the publish page alike; verification returns to `next`.
export function needsAuth(next) {
  return h("section", { class: "card notice", "data-testid": "needs-auth", "aria-labelledby": "needs-auth-title" },
    h("h2", { id: "needs-auth-title" }, "先完成实名认证"),
    h("p", {}, "为了保障房客的安全，发布房源前需要完成实名认证。"),
    linkButton("/auth?next=" + encodeURIComponent(next), "去实名认证"));
}

export async function myHousesPage({ view, onLeave }) {
  const profile = (await api("GET", "/api/profile")).data;
  if (!profile.real_name_verified) {
    replace(view, needsAuth("/my/houses"));
    return;
  }
  const { houses } = await api("GET", "/api/house/my");
  replace(view, h("div", { class: "my-houses" },
    linkButton("/my/houses/new", "＋ 发布新房源", "btn btn-primary btn-block"),
    houses.length
      ? h("ul", { class: "house-rows", "data-testid": "my-houses" }, houses.map((house) => myHouse(house, onLeave)))
      : emptyState("您还没有发布房源")));
}
