// The schedule form shows only the fields of the chosen kind (one-off, weekly, cron). Without this file every
// kind's fieldset stays visible and the server ignores the fields of the kinds not chosen.
(() => {
  const form = document.querySelector("[data-schedule-form]");
  const kind = form && form.querySelector("select[name=kind]");
  if (!kind) return;
  const groups = form.querySelectorAll("fieldset[data-kinds]");
  const hint = form.querySelector("[data-kind-hint]");
  if (hint) hint.hidden = true;

  function showChosenKind() {
    for (const group of groups) {
      const shown = group.dataset.kinds.split(" ").includes(kind.value);
      group.hidden = !shown;
      // A disabled fieldset is neither submitted nor checked by the browser.
      group.disabled = !shown;
      for (const input of group.querySelectorAll("[data-required-when-shown]")) input.required = shown;
    }
  }
  kind.addEventListener("change", showChosenKind);
  showChosenKind();
})();
