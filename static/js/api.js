// Every call to the iHome API goes through `api`: it sends the XSRF token, unwraps the JSON
// envelope, and turns a 4102 (not logged in) into a trip to the login page and back.
import { loginTarget, navigate } from "./router.js";

export class ApiError extends Error {
  // `param` is the request field the server says the error is about, or null.
  constructor(errcode, errmsg, param = null) {
    super(errmsg);
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.param = param;
    this.redirected = false;
  }
}

export const LOGIN_REQUIRED = "4102";

function xsrfToken() {
  const found = document.cookie.split("; ").find((item) => item.startsWith("_xsrf="));
  return found ? decodeURIComponent(found.slice(6)) : "";
}

// `json` is sent as a JSON body, `form` (FormData) as multipart. `redirect: false` keeps a
// 4102 as an ordinary error, for the calls where it means "wrong password" or "anonymous".
export async function api(method, url, { json, form, redirect = true } = {}) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") init.headers["X-XSRFToken"] = xsrfToken();
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let body;
  try {
    const response = await fetch(url, init);
    body = await response.json();
  } catch {
    throw new ApiError("network", "网络连接失败，请检查网络后重试");
  }
  if (body.errcode === "0") return body;
  const error = new ApiError(body.errcode, body.errmsg || "操作失败，请稍后重试", body.param || null);
  if (error.errcode === LOGIN_REQUIRED && redirect) {
    session.set(null);
    error.redirected = true;
    navigate(loginTarget(), { replace: true });
  }
  throw error;
}

// Who is logged in, as /api/check_login tells; the header listens for changes.
export const session = {
  user: null,
  listeners: new Set(),
  set(user) {
    this.user = user;
    this.listeners.forEach((listener) => listener(user));
  },
  async refresh() {
    try {
      const body = await api("GET", "/api/check_login", { redirect: false });
      this.set(body.data);
    } catch (error) {
      if (error.errcode !== LOGIN_REQUIRED) throw error;
      this.set(null);
    }
    return this.user;
  },
};
