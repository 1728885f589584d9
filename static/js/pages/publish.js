// Publish a house: every field, then one or more photos.
import { api } from "../api.js";
import { h, replace } from "../dom.js";
import { facilityCheckboxes } from "../facilities.js";
import { navigate } from "../router.js";
import { areaOptions, areas, busy, Fields, linkButton, submitButton } from "../widgets.js";
import { needsAuth } from "./my-houses.js";

const MONEY_RE = /^\d+(\.\d{1,2})?$/;
const COUNT_RE = /^\d+$/;

// name, label, input attributes, hint
const TEXT_FIELDS = [
  ["title", "标题", { maxlength: 64, placeholder: "如：国贸CBD 两居室 近地铁" }],
  ["price", "每晚价格（元）", { inputmode: "decimal", placeholder: "如：398" }],
  ["address", "详细地址", { maxlength: 512, placeholder: "街道、小区、门牌号" }],
  ["room_count", "出租房间数", { inputmode: "numeric", value: "1" }],
  ["acreage", "房屋面积（平米）", { inputmode: "numeric" }],
  ["unit", "户型描述", { maxlength: 32, placeholder: "如：两室一厅" }],
  ["capacity", "宜住人数", { inputmode: "numeric", value: "2" }],
  ["beds", "卧床配置", { maxlength: 64, placeholder: "如：双人床1.8x2米 1张" }],
  ["deposit", "押金（元）", { inputmode: "decimal", value: "0" }],
  ["min_days", "最少入住天数", { inputmode: "numeric", value: "1" }],
  ["max_days", "最多入住天数", { inputmode: "numeric", value: "0" }, "0 表示不限"],
];
const MONEY = new Set(["price", "deposit"]);
const COUNTS = new Set(["room_count", "acreage", "capacity", "min_days", "max_days"]);

function localCheck(fields) {
  for (const [name, label] of TEXT_FIELDS) {
    const value = fields.value(name);
    if (!value) return [name, `请填写${label}`];
    if (MONEY.has(name) && !MONEY_RE.test(value)) return [name, "请输入金额，最多两位小数"];
    if (COUNTS.has(name) && !COUNT_RE.test(value)) return [name, "请输入整数"];
  }
  if (!fields.value("area_id")) return ["area_id", "请选择城区"];
  const min = Number(fields.value("min_days"));
  const max = Number(fields.value("max_days"));
  if (min < 1) return ["min_days", "最少入住1天"];
  if (max !== 0 && max < min) return ["max_days", "最多天数应为0（不限）或不少于最少天数"];
  return null;
}

function photoStep(view, houseId) {
  const fields = new Fields();
  const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/gif,image/webp", multiple: true, class: "file-input" });
  const uploaded = h("ul", { class: "thumbs", "data-testid": "uploaded-photos" });
  const upload = h("button", { class: "btn btn-primary", type: "submit" }, "上传照片");
  const form = h("form", { class: "card" },
    h("h2", {}, "房源已发布，再添几张照片"),
    h("p", { class: "muted" }, "第一张照片会作为封面。可一次选择多张。"),
    fields.row("house_image", "选择照片", file), uploaded, fields.formError,
    h("div", { class: "actions" }, upload, linkButton(`/house/${houseId}`, "完成", "btn")));
  fields.onSubmit(form, () => {
    const chosen = [...file.files];
    if (!chosen.length) return fields.show("house_image", "请先选择照片");
    return busy(upload, async () => {
      // One at a time, so the order of the photos is the order chosen.
      for (const image of chosen) {
        const body = new FormData();
        body.append("house_id", houseId);
        body.append("house_image", image);
        try {
          const { url } = await api("POST", "/api/house/image", { form: body });
          uploaded.append(h("li", {}, h("img", { src: url, alt: `已上传：${image.name}` })));
        } catch (error) {
          if (error.redirected) return;
          fields.show("house_image", `${image.name}：${error.errmsg}`);
        }
      }
      file.value = "";
    });
  });
  replace(view, form);
}

export async function publishPage({ view }) {
  const profile = (await api("GET", "/api/profile")).data;
  if (!profile.real_name_verified) {
    replace(view, needsAuth("/my/houses/new"));
    return;
  }
  const fields = new Fields();
  const area = areaOptions(h("select", {}), await areas(), "", "请选择城区");
  const rows = TEXT_FIELDS.map(([name, label, attributes, hint]) =>
    fields.row(name, label, h("input", { type: "text", ...attributes }), { hint }));
  rows.splice(2, 0, fields.row("area_id", "所在城区", area));
  const facilities = facilityCheckboxes("facility");
  const submit = submitButton("发布房源");
  const form = h("form", { class: "card publish-form", novalidate: true },
    h("h2", {}, "房源信息"), rows,
    h("fieldset", { class: "facilities-field" }, h("legend", {}, "配套设施"), facilities),
    fields.formError, submit);

  fields.onSubmit(form, () => {
    const problem = localCheck(fields);
    if (problem) {
      fields.show(...problem);
      fields.controls.get(problem[0]).focus();
      return;
    }
    const house = Object.fromEntries([...fields.controls.keys()].map((name) => [name, fields.value(name)]));
    house.facility = [...facilities.querySelectorAll("input:checked")].map((box) => Number(box.value));
    return busy(submit, async () => {
      try {
        const { house_id: houseId } = await api("POST", "/api/house/info", { json: house });
        photoStep(view, houseId);
        window.scrollTo(0, 0);
      } catch (error) {
        if (error.errcode === "4105") {
          fields.show("_form", error.errmsg);
          fields.formError.append(" ", h("a", { href: "#/auth?next=" + encodeURIComponent("/my/houses/new") }, "去实名认证"));
        } else {
          fields.showApiError(error);
        }
      }
    });
  });
  replace(view, form);
}
