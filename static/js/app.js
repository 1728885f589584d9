// The iHome single-page site: the header, the routes, and start-up.
import { session } from "./api.js";
import { h, icon, ICONS, replace } from "./dom.js";
import { bell, follow } from "./live.js";
import { addRoute, currentLocation, loginTarget, navigate, PAGE_TITLE_ID, render, setLayout } from "./router.js";

// Each page's module is fetched when its route is first shown, not with the start-up.
const page = (load, name) => () => load().then((module) => module[name]);
const orders = (role) => () => import("./pages/orders.js").then((module) => (context) => module.ordersPage(context, role));

addRoute(/^\/$/, page(() => import("./pages/home.js"), "homePage"), { title: "" });
addRoute(/^\/search$/, page(() => import("./pages/search.js"), "searchPage"), { title: "找房子", back: "/" });
addRoute(/^\/house\/(\d+)$/, page(() => import("./pages/house.js"), "housePage"), { title: "房屋详情", back: "/search" });
addRoute(/^\/booking\/(\d+)$/, page(() => import("./pages/booking.js"), "bookingPage"), { title: "预订", back: "/search" });
addRoute(/^\/login$/, page(() => import("./pages/login.js"), "loginPage"), { title: "登录", back: "/" });
addRoute(/^\/register$/, page(() => import("./pages/register.js"), "registerPage"), { title: "注册", back: "/" });
addRoute(/^\/my$/, page(() => import("./pages/my.js"), "myPage"), { title: "我的爱家", back: "/" });
addRoute(/^\/profile$/, page(() => import("./pages/profile.js"), "profilePage"), { title: "个人信息", back: "/my" });
addRoute(/^\/auth$/, page(() => import("./pages/auth.js"), "authPage"), { title: "实名认证", back: "/my" });
addRoute(/^\/my\/houses$/, page(() => import("./pages/my-houses.js"), "myHousesPage"), { title: "我的房源", back: "/my" });
addRoute(/^\/my\/houses\/new$/, page(() => import("./pages/publish.js"), "publishPage"), { title: "发布房源", back: "/my/houses" });
addRoute(/^\/my\/favourites$/, page(() => import("./pages/favourites.js"), "favouritesPage"), { title: "我的收藏", back: "/my" });
addRoute(/^\/orders$/, orders("custom"), { title: "我的订单", back: "/my" });
addRoute(/^\/lorders$/, orders("landlord"), { title: "客户订单", back: "/my" });
addRoute(/^\/conversation\/(\d+)$/, page(() => import("./pages/conversation.js"), "conversationPage"), { title: "订单消息", back: "/orders" });
addRoute(/^\/payment\/(\d+)$/, page(() => import("./pages/payment.js"), "paymentPage"), { title: "支付结果", back: "/orders" });

const topbar = document.getElementById("topbar");
let headerState = { title: "", back: null };

function goBack(parent) {
  // Inside the site, "back" is the browser's back; a page opened directly goes to its parent.
  if (history.state && history.state.inSite) history.back();
  else navigate(parent);
}

function userArea() {
  if (session.user) {
    return h("div", { class: "topbar-end" }, bell(),
      h("a", { class: "topbar-user", href: "#/my", "data-testid": "header-user", "aria-label": `我的爱家：${session.user.name}` },
        icon(ICONS.user), h("span", {}, session.user.name)));
  }
  const { path } = currentLocation();
  if (path === "/login" || path === "/register") return h("span");
  return h("nav", { class: "topbar-auth", "data-testid": "header-auth", "aria-label": "登录或注册" },
    h("a", { href: "#" + loginTarget("/login") }, "登录"),
    h("a", { href: "#" + loginTarget("/register") }, "注册"));
}

// Every page has one h1: the page's title, or on the home page the site's name.
function renderHeader(state = headerState) {
  headerState = state;
  const brand = h("a", { class: "brand", href: "#/" }, icon(ICONS.house, "icon brand-icon"), h("span", {}, "爱家租房"));
  const start = state.back
    ? h("button", { class: "topbar-back", type: "button", "aria-label": "返回", onclick: () => goBack(state.back) }, icon(ICONS.back))
    : h("h1", { class: "topbar-start", id: PAGE_TITLE_ID, tabindex: "-1" }, brand);
  replace(topbar,
    h("div", { class: "topbar-inner" },
      start,
      state.back ? h("h1", { class: "topbar-title", id: PAGE_TITLE_ID, tabindex: "-1" }, state.title) : h("span", { class: "topbar-title" }),
      userArea()));
}

setLayout(renderHeader);
session.listeners.add(() => renderHeader());
session.listeners.add(follow);

// Remembers that an entry was reached inside the site, so the back button can use history.
window.addEventListener("hashchange", () => {
  if (!history.state) history.replaceState({ inSite: true }, "");
  render();
});

session.refresh().catch(() => session.set(null)).finally(render);
