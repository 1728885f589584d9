// Building the page. Every string that reaches the DOM goes through a text node or an attribute,
// never through innerHTML, so text typed by users (titles, names, reviews) can never become markup.

const SVG_NS = "http://www.w3.org/2000/svg";
// Set as properties: as attributes they would only set the initial state.
const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "hidden", "multiple"]);

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// A line icon from our own path data (24x24 box, drawn with the current text colour).
export function icon(pathData, className = "icon") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", pathData);
  svg.append(path);
  return svg;
}

export const ICONS = {
  back: "M15 4l-8 8 8 8",
  house: "M3 11l9-7 9 7M5 9.5V20h5v-6h4v6h5V9.5",
  user: "M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21c0-4 3.6-7 8-7s8 3 8 7",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM16 16l5 5",
  chevron: "M9 5l7 7-7 7",
  camera: "M3 8h4l2-3h6l2 3h4v12H3zM12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
  empty: "M4 10l8-6 8 6v10H4zM9 20v-5h6v5M2 21h20",
  calendar: "M4 6h16v15H4zM4 10h16M8 3v5M16 3v5",
};

// An <img> for a URL from the API, or a neutral placeholder when there is none. `alt` is ""
// where the text beside it already says what it shows. A thumbnail (`url`) that is missing, as
// for an image stored before thumbnails were made, gives way to the whole image (`full`).
export function photo(url, alt, className = "photo", full = null) {
  if (!url && !full) return placeholder("div", `${className} photo-empty`, alt, ICONS.house);
  return picture(url, full, { class: className, alt, loading: "lazy" });
}

export function avatar(url, alt = "头像", className = "avatar", full = null) {
  if (!url && !full) return placeholder("span", `${className} avatar-empty`, alt, ICONS.user);
  return picture(url, full, { class: className, alt });
}

function picture(url, full, props) {
  const img = h("img", { ...props, src: url || full });
  if (url && full && url !== full) img.addEventListener("error", () => { img.src = full; }, { once: true });
  return img;
}

function placeholder(tag, className, alt, path) {
  return h(tag, alt ? { class: className, role: "img", "aria-label": alt } : { class: className }, icon(path));
}

// Money arrives as integer fen.
export function yuan(fen) {
  const sign = fen < 0 ? "-" : "";
  return `${sign}¥${yuanAmount(Math.abs(Number(fen) || 0))}`;
}

// Fen as yuan without the sign, as a person types it into a field: 28850 -> "288.50".
export function yuanAmount(fen) {
  const cents = fen % 100;
  return `${Math.floor(fen / 100)}${cents ? "." + String(cents).padStart(2, "0") : ""}`;
}

// What was typed as yuan ("398", "288.5") in fen, or null when it is no amount of money.
export function fenOf(text) {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  return match ? Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0")) : null;
}

// Dates are plain YYYY-MM-DD strings; arithmetic is done in UTC so no time zone shifts a day.
const DAY_MS = 86400000;

export function todayISO() {
  const now = new Date();
  return isoDate(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
}

export function addDays(iso, days) {
  return isoDate(Date.parse(iso + "T00:00:00Z") + days * DAY_MS);
}

function isoDate(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isISODate(value) {
  return /^\d{4}-\d{2}-\d{2}$/.test(value || "") && !Number.isNaN(Date.parse(value + "T00:00:00Z"));
}

// Orders cover the nights from the first to the last date inclusive.
export function inclusiveNights(startISO, endISO) {
  return Math.round((Date.parse(endISO + "T00:00:00Z") - Date.parse(startISO + "T00:00:00Z")) / DAY_MS) + 1;
}

export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
