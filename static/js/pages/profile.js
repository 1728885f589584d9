// Profile: avatar (previewed before upload) and user name.
import { api, session } from "../api.js";
import { avatar, h, replace } from "../dom.js";
import { busy, Fields, submitButton, toast } from "../widgets.js";

export async function profilePage({ view, onLeave }) {
  const profile = (await api("GET", "/api/profile")).data;

  const avatarFields = new Fields();
  const avatarSlot = h("div", { class: "avatar-preview", "data-testid": "avatar-preview" }, avatar(profile.avatar_thumb, "我的头像", "avatar avatar-xl", profile.avatar));
  const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/gif,image/webp", class: "file-input" });
  const upload = h("button", { class: "btn btn-primary", type: "submit", disabled: true }, "上传头像");
  let previewUrl = null;
  const forgetPreview = () => previewUrl && URL.revokeObjectURL(previewUrl);
  onLeave(forgetPreview);
  file.addEventListener("change", () => {
    avatarFields.clear();
    forgetPreview();
    previewUrl = file.files[0] ? URL.createObjectURL(file.files[0]) : null;
    replace(avatarSlot, avatar(previewUrl || profile.avatar, "头像预览", "avatar avatar-xl"));
    upload.disabled = !previewUrl;
  });
  const avatarForm = h("form", { class: "card profile-avatar" },
    h("h2", {}, "头像"), avatarSlot,
    avatarFields.row("avatar", "选择图片（JPEG/PNG/GIF/WebP，10MB以内）", file),
    avatarFields.formError, upload);
  avatarFields.onSubmit(avatarForm, () => {
    const form = new FormData();
    form.append("avatar", file.files[0]);
    busy(upload, async () => {
      try {
        profile.avatar = (await api("POST", "/api/profile/avatar", { form })).data;
        replace(avatarSlot, avatar(profile.avatar, "我的头像", "avatar avatar-xl"));
        file.value = "";
        toast("头像已更新");
      } catch (error) {
        avatarFields.showApiError(error);
      }
    }).finally(() => { upload.disabled = !file.files.length; });
  });

  const nameFields = new Fields();
  const save = submitButton("保存用户名");
  const nameForm = h("form", { class: "card", novalidate: true },
    h("h2", {}, "用户名"),
    nameFields.row("name", "用户名", h("input", { type: "text", maxlength: 32, value: profile.name, autocomplete: "nickname" }), { hint: "1-32个字符，不能与他人重复" }),
    nameFields.formError, save);
  nameFields.onSubmit(nameForm, () => {
    const name = nameFields.value("name");
    if (!name) return nameFields.show("name", "请输入用户名");
    return busy(save, async () => {
      try {
        await api("POST", "/api/profile/name", { json: { name } });
        await session.refresh();
        toast("用户名已保存");
      } catch (error) {
        nameFields.showApiError(error);
      }
    });
  });

  replace(view, h("div", { class: "profile" },
    avatarForm, nameForm,
    h("p", { class: "muted center" }, `手机号：${profile.mobile}`)));
}
