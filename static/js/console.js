// Small progressive enhancements; every page works without this file.
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
  note.textContent = `The request failed (${event.detail.xhr.status}). Reload the page and try again.`;
  box.prepend(note);
});
