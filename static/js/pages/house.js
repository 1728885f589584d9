// House detail: photos, every field, the 23 facilities, the rating, reviews with their stars and
// the landlord's replies, and the way to book.
import { api } from "../api.js";
import { avatar, h, icon, ICONS, photo, replace, yuan } from "../dom.js";
import { facilityGrid } from "../facilities.js";
import { emptyState, favouriteButton, linkButton, ratingBadge, starsLine } from "../widgets.js";

function gallery(images, title) {
  if (!images.length) return h("div", { class: "gallery" }, photo(null, title, "gallery-photo"));
  const counter = h("span", { class: "gallery-counter" }, `1/${images.length}`);
  // Focusable, so that the arrow keys scroll it as a swipe does.
  const strip = h("div", { class: "gallery-strip", tabindex: "0", role: "group", "aria-label": `房屋照片，共${images.length}张` },
    images.map((url, index) => h("img", { class: "gallery-photo", src: url, alt: `第${index + 1}张照片` })));
  strip.addEventListener("scroll", () => {
    counter.textContent = `${Math.round(strip.scrollLeft / Math.max(strip.clientWidth, 1)) + 1}/${images.length}`;
  }, { passive: true });
  const turn = (direction, label, path) => h("button", {
    class: `gallery-turn gallery-${direction < 0 ? "prev" : "next"}`, type: "button", "aria-label": label,
    onclick: () => strip.scrollBy({ left: direction * strip.clientWidth, behavior: "smooth" }),
  }, icon(path));
  return h("div", { class: "gallery", "data-testid": "gallery" }, strip, counter,
    images.length > 1 ? [turn(-1, "上一张", ICONS.back), turn(1, "下一张", ICONS.chevron)] : null);
}

export function stayLimits(house) {
  return house.max_days ? `${house.min_days}-${house.max_days}晚` : `至少${house.min_days}晚，不限上限`;
}

function facts(house) {
  const rows = [
    ["地址", house.address],
    ["城区", house.area_name],
    ["出租房间数", `${house.room_count}间`],
    ["房屋面积", `${house.acreage}平米`],
    ["户型", house.unit],
    ["宜住人数", `${house.capacity}人`],
    ["卧床配置", house.beds],
    ["押金", yuan(house.deposit)],
    ["起租天数", `${house.min_days}晚`],
    ["最多天数", house.max_days ? `${house.max_days}晚` : "不限"],
    ["已入住", `${house.order_count}次`],
  ];
  return h("dl", { class: "facts" }, rows.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
}

function comments(list) {
  if (!list.length) return h("p", { class: "muted" }, "暂无评价");
  return h("ul", { class: "comments", "data-testid": "comments" }, list.map((comment) =>
    h("li", { class: "comment" },
      h("div", { class: "comment-head" }, h("strong", {}, comment.user_name), h("time", {}, comment.ctime)),
      starsLine(comment.stars),
      h("p", { class: "comment-text" }, comment.content),
      comment.reply ? h("div", { class: "comment-reply", "data-testid": "reply" },
        h("div", { class: "comment-head" }, h("strong", {}, "房东回复"), h("time", {}, comment.reply_ctime)),
        h("p", { class: "comment-text" }, comment.reply)) : null)));
}

export async function housePage({ view, params, query }) {
  let body;
  try {
    body = await api("GET", `/api/house/info?house_id=${params[0]}`);
  } catch (error) {
    if (error.errcode !== "4002") throw error;
    replace(view, emptyState("房源不存在或已下线", linkButton("/search", "去看看其他房源")));
    return;
  }
  const house = body.data;
  const isLandlord = body.user_id === house.user_id;
  const dates = new URLSearchParams([...query].filter(([key]) => key === "sd" || key === "ed")).toString();
  const action = isLandlord
    ? h("p", { class: "own-house", "data-testid": "own-house" }, "这是您发布的房源")
    : linkButton(`/booking/${house.hid}${dates ? "?" + dates : ""}`, "即刻预订", "btn btn-primary btn-book");
  replace(view, h("article", { class: "house-detail" },
    gallery(house.images, house.title),
    h("div", { class: "detail-columns" },
      h("div", { class: "detail-main" },
        h("section", { class: "card" },
          h("div", { class: "house-detail-head" },
            h("h2", { class: "house-detail-title", "data-testid": "house-title" }, house.title),
            favouriteButton(house.hid, house.title, body.favourite)),
          h("p", { class: "house-detail-price" }, h("strong", {}, yuan(house.price)), " / 晚"),
          h("p", { class: "house-detail-rating" }, ratingBadge(house.rating, house.rating_count)),
          h("p", { class: "muted" }, house.address)),
        h("section", { class: "card landlord" },
          avatar(house.user_avatar_thumb, "", "avatar avatar-lg", house.user_avatar),
          h("div", {}, h("p", { class: "muted" }, "房东"), h("strong", { "data-testid": "landlord-name" }, house.user_name))),
        h("section", { class: "card" }, h("h3", {}, "房屋信息"), facts(house)),
        h("section", { class: "card" }, h("h3", {}, "配套设施"), facilityGrid(house.facilities)),
        h("section", { class: "card" }, h("h3", {}, `评价（${house.comments.length}）`), comments(house.comments))),
      h("section", { class: "book-bar", "aria-label": "预订" },
        h("div", { class: "book-bar-price" }, h("strong", {}, yuan(house.price)), h("span", {}, "/晚 · " + stayLimits(house))),
        action))));
  if (isLandlord) view.querySelector(".detail-main").append((await import("./house-calendar.js")).calendarEditor(house));
}
