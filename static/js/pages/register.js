// Register: image captcha, then an SMS code, then the password.
import { api, session } from "../api.js";
import { h, randomId, replace } from "../dom.js";
import { navigate, safeNext } from "../router.js";
import { busy, Fields, submitButton } from "../widgets.js";
import { asciiDigits, authSwitch, mobileRow, typedMobile } from "./login.js";

const SMS_WAIT_SECONDS = 60;

export async function registerPage({ view, query, onLeave }) {
  const next = safeNext(query.get("next"), "/my");
  const fields = new Fields();
  let captchaId = "";
  const captcha = h("img", { class: "captcha", alt: "", "data-testid": "captcha" });
  // A button, so that the keyboard reaches it too; it is named by what it does.
  const captchaButton = h("button", { class: "captcha-button", type: "button", "aria-label": "换一张图片验证码", title: "看不清？换一张" }, captcha);
  const piccode = h("input", { type: "text", maxlength: 4, autocomplete: "off", placeholder: "图片验证码" });

  // A new id per image; the previous one is sent as `pre` so the server forgets it.
  function refreshCaptcha() {
    const previous = captchaId;
    captchaId = randomId();
    captcha.src = `/api/piccode?cur=${captchaId}${previous ? "&pre=" + previous : ""}`;
    piccode.value = "";
  }
  captchaButton.addEventListener("click", refreshCaptcha);
  // A refused captcha (4201: too many from this network) answers JSON, which is no image. Its
  // message comes from asking again: a refused request is not counted.
  captcha.addEventListener("error", async () => {
    let message = "图片验证码加载失败，请点击图片换一张";
    try {
      message = (await (await fetch(captcha.src, { credentials: "same-origin" })).json()).errmsg || message;
    } catch {
      // no answer, or an image after all: the general message
    }
    fields.show("piccode", message);
  });

  const smsButton = h("button", { class: "btn btn-sms", type: "button", "data-testid": "sms-button" }, "获取验证码");
  let countdown = null;
  function startCountdown() {
    let left = SMS_WAIT_SECONDS;
    smsButton.disabled = true;
    smsButton.textContent = `${left}秒后重发`;
    countdown = setInterval(() => {
      left -= 1;
      if (left > 0) {
        smsButton.textContent = `${left}秒后重发`;
        return;
      }
      clearInterval(countdown);
      smsButton.disabled = false;
      smsButton.textContent = "重新获取";
    }, 1000);
  }
  onLeave(() => clearInterval(countdown));

  const smsHint = h("p", { class: "field-hint", role: "status", "data-testid": "sms-hint" });
  smsButton.addEventListener("click", async () => {
    fields.clear();
    smsHint.textContent = "";
    const mobile = typedMobile(fields);
    const answer = piccode.value.trim();
    if (!mobile) return;
    if (!answer) return fields.show("piccode", "请输入图片验证码");
    smsButton.disabled = true;
    try {
      await api("POST", "/api/smscode", { json: { mobile, piccode: answer, piccode_id: captchaId } });
      smsHint.textContent = "短信验证码已发送，5分钟内有效";
      startCountdown();
    } catch (error) {
      smsButton.disabled = false;
      fields.showApiError(error, { 4201: "phonecode", 4301: "phonecode" });
    }
    // The server checks a captcha once, right or wrong: each answer needs a fresh image.
    refreshCaptcha();
  });

  const submit = submitButton("注册");
  const form = h("form", { class: "card auth-form", novalidate: true },
    h("h2", {}, "注册爱家账号"),
    mobileRow(fields),
    fields.row("piccode", "图片验证码", piccode, { extra: captchaButton, hint: "看不清可点击图片换一张" }),
    fields.row("phonecode", "短信验证码", h("input", { type: "text", inputmode: "numeric", maxlength: 6, autocomplete: "one-time-code", placeholder: "6位短信验证码" }), { extra: smsButton }),
    smsHint,
    fields.row("password", "密码", h("input", { type: "password", autocomplete: "new-password", placeholder: "设置登录密码" })),
    fields.row("password2", "确认密码", h("input", { type: "password", autocomplete: "new-password", placeholder: "再输入一次密码" })),
    fields.formError, submit, authSwitch("已有账号？", "/login", next));

  fields.onSubmit(form, () => {
    const mobile = typedMobile(fields);
    const phonecode = asciiDigits(fields.value("phonecode"));
    const password = fields.controls.get("password").value;
    if (!mobile) return;
    if (!phonecode) return fields.show("phonecode", "请输入短信验证码");
    if (password !== fields.controls.get("password2").value) return fields.show("password2", "两次输入的密码不一致");
    return busy(submit, async () => {
      try {
        await api("POST", "/api/register", { json: { mobile, phonecode, password } });
        await session.refresh();
        navigate(next, { replace: true });
      } catch (error) {
        fields.showApiError(error, { 4201: "phonecode" });
      }
    });
  });
  replace(view, form);
  refreshCaptcha();
}
