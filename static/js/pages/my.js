// My page: who I am, where my things are, and logout.
import { api, session } from "../api.js";
import { avatar, h, icon, ICONS, replace } from "../dom.js";
import { navigate } from "../router.js";
import { busy, toast } from "../widgets.js";

function menuLink(href, label, note) {
  return h("li", {}, h("a", { href: "#" + href },
    h("span", {}, label), note ? h("span", { class: "menu-note" }, note) : null, icon(ICONS.chevron)));
}

export async function myPage({ view }) {
  const profile = (await api("GET", "/api/profile")).data;
  const logout = h("button", { class: "btn btn-block btn-logout", type: "button" }, "退出登录");
  logout.addEventListener("click", () => busy(logout, async () => {
    await api("GET", "/api/logout");
    session.set(null);
    navigate("/", { replace: true });
  }).catch((error) => toast(error.errmsg)));
  replace(view, h("div", { class: "my" },
    h("section", { class: "card my-head" },
      avatar(profile.avatar_thumb, "我的头像", "avatar avatar-xl", profile.avatar),
      h("div", {},
        h("h2", { "data-testid": "my-name" }, profile.name),
        h("p", { class: "muted", "data-testid": "my-mobile" }, profile.mobile))),
    h("ul", { class: "card menu", "aria-label": "我的账号" },
      menuLink("/profile", "个人信息", "头像、用户名"),
      menuLink("/orders", "我的订单"),
      menuLink("/my/favourites", "我的收藏"),
      menuLink("/auth", "实名认证", profile.real_name_verified ? "已认证" : "未认证")),
    h("ul", { class: "card menu", "aria-label": "我是房东" },
      menuLink("/my/houses", "我的房源"),
      menuLink("/lorders", "客户订单", "房东接单")),
    logout));
}
