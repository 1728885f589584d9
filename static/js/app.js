// The iHome single-page site: the header, the routes, and start-up.
import { session } from "./api.js";
import { h, icon, ICONS, replace } from "./dom.js";
import { addRoute, currentLocation, loginTarget, navigate, render, setLayout } from "./router.js";
import { authPage } from "./pages/auth.js";
import { bookingPage } from "./pages/booking.js";
import { homePage } from "./pages/home.js";
import { housePage } from "./pages/house.js";
import { loginPage } from "./pages/login.js";
import { myHousesPage } from "./pages/my-houses.js";
import { myPage } from "./pages/my.js";
import { ordersPage } from "./pages/orders.js";
import { paymentPage } from "./pages/payment.js";
import { profilePage } from "./pages/profile.js";
import { publishPage } from "./pages/publish.js";
import { registerPage } from "./pages/register.js";
import { searchPage } from "./pages/search.js";

addRoute(/^\/$/, homePage, { title: "" });
addRoute(/^\/search$/, searchPage, { title: "找房子", back: "/" });
addRoute(/^\/house\/(\d+)$/, housePage, { title: "房屋详情", back: "/search" });
addRoute(/^\/booking\/(\d+)$/, bookingPage, { title: "预订", back: "/search" });
addRoute(/^\/login$/, loginPage, { title: "登录", back: "/" });
addRoute(/^\/register$/, registerPage, { title: "注册", back: "/" });
addRoute(/^\/my$/, myPage, { title: "我的爱家", back: "/" });
addRoute(/^\/profile$/, profilePage, { title: "个人信息", back: "/my" });
addRoute(/^\/auth$/, authPage, { title: "实名认证", back: "/my" });
addRoute(/^\/my\/houses$/, myHousesPage, { title: "我的房源", back: "/my" });
addRoute(/^\/my\/houses\/new$/, publishPage, { title: "发布房源", back: "/my/houses" });
addRoute(/^\/orders$/, (context) => ordersPage(context, "custom"), { title: "我的订单", back: "/my" });
addRoute(/^\/lorders$/, (context) => ordersPage(context, "landlord"), { title: "客户订单", back: "/my" });
addRoute(/^\/payment\/(\d+)$/, paymentPage, { title: "支付结果", back: "/orders" });

const topbar = document.getElementById("topbar");
let headerState = { title: "", back: null };

function goBack(parent) {
  // Inside the site, "back" is the browser's back; a page opened directly goes to its parent.
  if (history.state && history.state.inSite) history.back();
  else navigate(parent);
}

function userArea() {
  if (session.user) {
    return h("a", { class: "topbar-user", href: "#/my", "data-testid": "header-user" },
      icon(ICONS.user), h("span", {}, session.user.name));
  }
  const { path } = currentLocation();
  if (path === "/login" || path === "/register") return h("span");
  return h("nav", { class: "topbar-auth", "data-testid": "header-auth" },
    h("a", { href: "#" + loginTarget("/login") }, "登录"),
    h("a", { href: "#" + loginTarget("/register") }, "注册"));
}

function renderHeader(state = headerState) {
  headerState = state;
  const start = state.back
    ? h("button", { class: "topbar-back", type: "button", "aria-label": "返回", onclick: () => goBack(state.back) }, icon(ICONS.back))
    : h("a", { class: "brand", href: "#/" }, icon(ICONS.house, "icon brand-icon"), h("span", {}, "爱家租房"));
  replace(topbar,
    h("div", { class: "topbar-inner" },
      start,
      state.back ? h("h1", { class: "topbar-title" }, state.title) : h("span", { class: "topbar-title" }),
      userArea()));
}

setLayout(renderHeader);
session.listeners.add(() => renderHeader());

// Remembers that an entry was reached inside the site, so the back button can use history.
window.addEventListener("hashchange", () => {
  if (!history.state) history.replaceState({ inSite: true }, "");
  render();
});

session.refresh().catch(() => session.set(null)).finally(render);
