// Login, then back to the page that asked for it.
import { api, session } from "../api.js";
import { h, replace } from "../dom.js";
import { navigate, safeNext } from "../router.js";
import { busy, Fields, submitButton } from "../widgets.js";

export function mobileRow(fields) {
  return fields.row("mobile", "手机号", h("input", { type: "tel", inputmode: "numeric", maxlength: 11, autocomplete: "username", placeholder: "11位手机号" }));
}

// A Chinese input method in full-width mode types ０-９; the server takes ASCII digits only.
export function asciiDigits(text) {
  return text.replace(/[０-９]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xFEE0));
}

// The mobile number typed, or null when the field is empty. Its format is the server's rule:
// a malformed number comes back as an error on the field.
export function typedMobile(fields) {
  const mobile = asciiDigits(fields.value("mobile"));
  if (mobile) return mobile;
  fields.show("mobile", "请输入手机号");
  return null;
}

export function authSwitch(text, page, next) {
  return h("p", { class: "auth-switch" }, text, h("a", { href: `#${page}?next=${encodeURIComponent(next)}` }, page === "/login" ? "去登录" : "立即注册"));
}

export async function loginPage({ view, query }) {
  const next = safeNext(query.get("next"), "/my");
  const fields = new Fields();
  const submit = submitButton("登录");
  const form = h("form", { class: "card auth-form", novalidate: true },
    h("h2", {}, "欢迎回到爱家"),
    mobileRow(fields),
    fields.row("password", "密码", h("input", { type: "password", autocomplete: "current-password", placeholder: "密码" })),
    fields.formError, submit, authSwitch("还没有账号？", "/register", next));

  fields.onSubmit(form, () => {
    const mobile = typedMobile(fields);
    const password = fields.controls.get("password").value;
    if (!mobile) return;
    if (!password) return fields.show("password", "请输入密码");
    return busy(submit, async () => {
      try {
        await api("POST", "/api/login", { json: { mobile, password }, redirect: false });
        await session.refresh();
        navigate(next, { replace: true });
      } catch (error) {
        fields.showApiError(error, { 4102: "password", 4201: "password" });
      }
    });
  });
  replace(view, form);
}
