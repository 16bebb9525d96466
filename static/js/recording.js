// Confirmations in a dialog. A link marked data-confirm-dialog points at a confirmation page that works without
// JavaScript (GET shows it, its form POSTs); here the same page's body is fetched (HX-Request asks for the body
// only) and shown in a modal <dialog>, so the operator decides without leaving the page. The dialog is native:
// focus moves into it, Tab stays inside, Escape closes it, and focus returns to the link afterwards.
(() => {
  if (window.cnrConfirmDialog) return; // loaded twice on one page
  window.cnrConfirmDialog = true;
  let pending = false;

  function refocus(link) {
    const again = link.isConnected
      ? link
      : document.querySelector(`a[data-confirm-dialog][href="${CSS.escape(link.getAttribute("href"))}"]`);
    if (again) again.focus();
  }

  async function open(link) {
    pending = true;
    let body;
    try {
      const response = await fetch(link.href, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      body = await response.text();
    } catch (error) {
      window.location.assign(link.href); // the confirmation page itself
      return;
    } finally {
      pending = false;
    }
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.innerHTML = body;
    const title = dialog.querySelector("#confirm-title");
    if (title) dialog.setAttribute("aria-labelledby", title.id);
    dialog.addEventListener("click", (event) => {
      if (event.target.closest("[data-dialog-close]")) {
        event.preventDefault();
        dialog.close();
      }
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      refocus(link);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has the focus: Enter right after opening keeps the recording running.
    const safe = dialog.querySelector("[data-dialog-close]");
    if (safe) safe.focus();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-confirm-dialog]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // a new tab: the page
    event.preventDefault();
    if (!pending && !document.querySelector("dialog.confirm-dialog")) open(link);
  });
})();
