// A house as a card in a list of houses (the search's results, the home page's sections): one
// renderer, so every list shows a house the same way.
import { avatar, h, photo, yuan } from "./dom.js";
import { favouriteButton, ratingBadge } from "./widgets.js";

// `query` is carried to the detail page (the dates searched); `heading` is the level of the
// title under the list's own heading; `hearted`, whether the user hearted it, when known (else
// the list asks, `markHearts`).
export function houseCard(house, { query = "", heading = "h2", hearted = null } = {}) {
  return h("li", { class: "house-card", "data-house-id": house.house_id },
    h("a", { class: "house-card-link", href: `#/house/${Number(house.house_id)}${query}` },
      h("div", { class: "house-card-photo" },
        photo(house.image_thumb, "", "photo", house.image_url),
        h("span", { class: "price-tag" }, yuan(house.price), h("small", {}, "/晚"))),
      h("div", { class: "house-card-body" },
        avatar(house.avatar_thumb, "", "avatar avatar-landlord", house.avatar),
        h(heading, { class: "house-title" }, house.title),
        h("p", { class: "house-meta" },
          h("span", {}, `出租${house.room_count}间`), h("span", {}, `${house.order_count}次入住`),
          ratingBadge(house.rating, house.rating_count)),
        h("p", { class: "house-address" }, house.address))),
    favouriteButton(house.house_id, house.title, hearted));
}
