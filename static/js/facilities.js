// The 23 facilities (migration 0002, `facility` in docs/openapi.yaml); their ids never change
// meaning, so they are listed here.
import { h, icon } from "./dom.js";

// Helper for round dots and wheels inside the path data.
const circle = (cx, cy, r) => `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;

export const FACILITIES = [
  [1, "无线网络", "M2 9a15 15 0 0 1 20 0M5 12.5a10 10 0 0 1 14 0M8.5 16a5 5 0 0 1 7 0M12 19.5v.1"],
  [2, "热水淋浴", "M5 21V7a3 3 0 0 1 6 0v1M7.5 8h7l-1 3h-5zM9 14v1M11 16v1M13 14v1M15 16v1M11 19v1M15 19v1"],
  [3, "空调", "M3 5h18v7H3zM6 9h12M7 15l-1 3M12 15v4M17 15l1 3"],
  [4, "暖气", "M6 5v14M10 5v14M14 5v14M18 5v14M3 8h18M3 16h18"],
  [5, "允许吸烟", "M2 15h14v3H2zM18.5 15v3M21 15v3M18.5 12c0-2 2.5-2 2.5-4s-2.5-2-2.5-4"],
  [6, "饮水设备", "M12 3s-6 7-6 11a6 6 0 0 0 12 0c0-4-6-11-6-11zM9.5 14.5a2.5 2.5 0 0 0 2.5 2.5"],
  [7, "牙具", "M4 20l10-10M12 6l6 6M14 4l6 6-2 2-6-6zM15 7l1-1M17 9l1-1"],
  [8, "香皂", `M4 12h16v6a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2zM7 15h10${circle(9, 7, 2)}${circle(15, 5, 1.5)}`],
  [9, "拖鞋", "M7.5 3C5.5 3 4.5 5 4.5 8v9a3 3 0 0 0 6 0V8c0-3-1-5-3-5zM4.5 10h6M16.5 3c-2 0-3 2-3 5v9a3 3 0 0 0 6 0V8c0-3-1-5-3-5zM13.5 10h6"],
  [10, "手纸", `M8 3h10v12H8M8 15h4v6h6v-6${circle(8, 9, 3)}M8 8.9v.2`],
  [11, "毛巾", "M6 3h12v15H6zM6 6h12M6 14h12M9 18v3h6v-3"],
  [12, "沐浴露、洗发露", "M10 2h4M11 2v3M13 2v3M8 8a3 3 0 0 1 2-3h4a3 3 0 0 1 2 3v12a1 1 0 0 1-1 1H9a1 1 0 0 1-1-1zM8 12h8M8 17h8"],
  [13, "冰箱", "M6 2h12v20H6zM6 10h12M9 5v2M9 13v3"],
  [14, "洗衣机", `M4 2h16v20H4zM4 6h16M7 4h.1M10 4h.1${circle(12, 14, 4.5)}`],
  [15, "电梯", "M4 3h16v18H4zM12 3v18M8 8l-2 3h4zM16 16l-2-3h4z"],
  [16, "允许做饭", "M3 10h18M5 10v8a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-8M1 12h2M21 12h2M9 7c0-1 1-1 1-2.5M14 7c0-1 1-1 1-2.5"],
  [17, "允许带宠物", `M7 18c0-3 2.5-6 5-6s5 3 5 6c0 2-2 2.5-5 2.5S7 20 7 18z${circle(6, 11, 1.6)}${circle(9.5, 6.5, 1.6)}${circle(14.5, 6.5, 1.6)}${circle(18, 11, 1.6)}`],
  [18, "允许聚会", "M5 3h6l-1 6a2 2 0 0 1-4 0zM8 11v8M5.5 19h5M13 3h6l-1 6a2 2 0 0 1-4 0zM16 11v8M13.5 19h5"],
  [19, "门禁系统", "M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4M12 15v2.5"],
  [20, "停车位", "M4 3h16v18H4zM9 17V7h4a3 3 0 0 1 0 6H9"],
  [21, "有线网络", "M10 2h4v4h-4zM12 6v5M4 11h16M4 11v3M12 11v3M20 11v3M2 14h4v4H2zM10 14h4v4h-4zM18 14h4v4h-4z"],
  [22, "电视", "M2 6h20v12H2zM8 22h8M12 18v4M9 2l3 4 3-4"],
  [23, "浴缸", "M2 12h20v3a5 5 0 0 1-5 5H7a5 5 0 0 1-5-5zM6 20l-1 2M18 20l1 2M5 12V5a2 2 0 0 1 4 0"],
].map(([id, name, path]) => ({ id, name, path }));

// The detail page shows all 23: the house's own in colour, the others struck through.
export function facilityGrid(presentIds) {
  const present = new Set(presentIds.map(Number));
  return h("ul", { class: "facility-grid" }, FACILITIES.map((facility) => {
    const has = present.has(facility.id);
    return h("li", { class: has ? "facility present" : "facility absent", "data-facility": facility.id },
      icon(facility.path, "icon facility-icon"),
      h("span", {}, facility.name),
      h("span", { class: "sr-only" }, has ? "（有）" : "（无）"));
  }));
}

export function facilityCheckboxes(name) {
  return h("div", { class: "facility-grid facility-choices" }, FACILITIES.map((facility) =>
    h("label", { class: "facility choice" },
      h("input", { type: "checkbox", name, value: facility.id }),
      icon(facility.path, "icon facility-icon"),
      h("span", {}, facility.name))));
}
