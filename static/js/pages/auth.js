// Real-name verification: a form until it is done, then read-only (it can be set only once).
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { navigate, safeNext } from "../router.js";
import { busy, Fields, linkButton, submitButton, toast } from "../widgets.js";

const ID_CARD_RE = /^\d{17}[\dXx]$/;

function verified(auth, next) {
  return h("section", { class: "card auth-done", "data-testid": "auth-done" },
    h("p", { class: "badge badge-ok" }, "已完成实名认证"),
    h("dl", { class: "facts" },
      h("dt", {}, "真实姓名"), h("dd", { "data-testid": "real-name" }, auth.real_name),
      h("dt", {}, "身份证号"), h("dd", { "data-testid": "id-card" }, auth.id_card)),
    h("p", { class: "muted" }, "实名信息提交后不可修改。"),
    next ? linkButton(next, "继续") : null);
}

export async function authPage({ view, query }) {
  const next = safeNext(query.get("next"), null);
  const auth = (await api("GET", "/api/profile/auth")).data;
  if (auth.real_name) {
    replace(view, verified(auth, next));
    return;
  }
  const fields = new Fields();
  const submit = submitButton("提交认证");
  const form = h("form", { class: "card", novalidate: true },
    h("p", { class: "muted" }, "发布房源前需要完成实名认证，信息仅用于核验身份，提交后不可修改。"),
    fields.row("real_name", "真实姓名", h("input", { type: "text", maxlength: 32, autocomplete: "name" })),
    fields.row("id_card", "身份证号", h("input", { type: "text", maxlength: 18, autocomplete: "off" }), { hint: "18位中国大陆居民身份证号" }),
    fields.formError, submit);
  fields.onSubmit(form, () => {
    const realName = fields.value("real_name");
    const idCard = fields.value("id_card").toUpperCase();
    if (realName.length < 2) return fields.show("real_name", "请输入2-32个字符的真实姓名");
    if (!ID_CARD_RE.test(idCard)) return fields.show("id_card", "请输入18位身份证号");
    return busy(submit, async () => {
      try {
        await api("POST", "/api/profile/auth", { json: { real_name: realName, id_card: idCard } });
        toast("实名认证成功");
        if (next) navigate(next, { replace: true });
        else replace(view, verified((await api("GET", "/api/profile/auth")).data, null));
      } catch (error) {
        fields.showApiError(error);
      }
    });
  });
  replace(view, form);
}
