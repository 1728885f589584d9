// My houses: the landlord's list; publishing needs a verified real name first.
import { api } from "../api.js";
import { h, photo, replace, yuan } from "../dom.js";
import { emptyState, linkButton } from "../widgets.js";

function myHouse(house) {
  return h("li", { class: "house-row", "data-house-id": house.house_id },
    h("a", { href: `#/house/${Number(house.house_id)}` },
      photo(house.img_thumb, "", "house-row-photo", house.img_url),
      h("div", { class: "house-row-body" },
        h("h2", { class: "house-title" }, house.title),
        h("p", { class: "muted" }, `${house.area_name} · ${yuan(house.price)}/晚 · ${house.order_count}次入住`),
        h("p", { class: "muted small" }, `发布于 ${house.ctime}`))));
}

// What a landlord who has not verified a real name sees instead of publishing, on "my houses"
// and on the publish page alike; verification returns to `next`.
export function needsAuth(next) {
  return h("section", { class: "card notice", "data-testid": "needs-auth", "aria-labelledby": "needs-auth-title" },
    h("h2", { id: "needs-auth-title" }, "先完成实名认证"),
    h("p", {}, "为了保障房客的安全，发布房源前需要完成实名认证。"),
    linkButton("/auth?next=" + encodeURIComponent(next), "去实名认证"));
}

export async function myHousesPage({ view }) {
  const profile = (await api("GET", "/api/profile")).data;
  if (!profile.real_name_verified) {
    replace(view, needsAuth("/my/houses"));
    return;
  }
  const { houses } = await api("GET", "/api/house/my");
  replace(view, h("div", { class: "my-houses" },
    linkButton("/my/houses/new", "＋ 发布新房源", "btn btn-primary btn-block"),
    houses.length
      ? h("ul", { class: "house-rows", "data-testid": "my-houses" }, houses.map(myHouse))
      : emptyState("您还没有发布房源")));
}
