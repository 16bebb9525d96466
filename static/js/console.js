// Small progressive enhancements; every page works without this file. gettext() and interpolate() come from
// /jsi18n/ (Django's JavaScript catalog of the page's language), which base.html loads before every script.
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
document.addEventListener("htmx:responseError", (event) => {
  const box = document.getElementById("messages") || document.querySelector(".content");
  if (!box) return;
  const note = document.createElement("div");
  note.className = "message message-error";
  note.setAttribute("role", "alert");
  note.textContent = interpolate(gettext("The request failed (%(status)s). Reload the page and try again."), { status: event.detail.xhr.status }, true);
  box.prepend(note);
});
// The phone-width sidebar: the ☰ button opens and closes it, Escape closes it and gives focus back to the button.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-menu-toggle]");
  if (!toggle) return;
  const sidebar = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = sidebar.classList.toggle("open");
  toggle.setAttribute("aria-expanded", String(open));
  if (open) sidebar.querySelector("a")?.focus();
});
document.addEventListener("keydown", (event) => {
  const sidebar = document.querySelector(".sidebar.open");
  if (event.key !== "Escape" || !sidebar) return;
  const toggle = document.querySelector("[data-menu-toggle]");
  sidebar.classList.remove("open");
  toggle.setAttribute("aria-expanded", "false");
  toggle.focus();
});
// A table wider than its card scrolls inside it (static/css/console.css); when it does, the card becomes a
// focusable, named region so keyboard users can scroll it with the arrow keys too.
const SCROLLERS = ".card, #results, .table-scroll";
function markScrollableRegions() {
  document.querySelectorAll(SCROLLERS).forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      const heading = box.querySelector(".card-title, h2, h3");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", heading ? heading.textContent.trim() : gettext("Scrollable table"));
      box.dataset.scrollRegion = "";
    } else if (!scrolls && box.hasAttribute("data-scroll-region")) {
      ["tabindex", "role", "aria-label", "data-scroll-region"].forEach((name) => box.removeAttribute(name));
    }
  });
}
let scrollRegionTimer;
function markScrollableRegionsSoon() {
  clearTimeout(scrollRegionTimer);
  scrollRegionTimer = setTimeout(markScrollableRegions, 100);
}
document.addEventListener("DOMContentLoaded", markScrollableRegions);
window.addEventListener("load", markScrollableRegions);
window.addEventListener("resize", markScrollableRegionsSoon);
document.addEventListener("htmx:afterSettle", markScrollableRegionsSoon);
