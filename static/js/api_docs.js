// The interactive API reference: Swagger UI (swagger-ui-dist from npm, served under vendor/swagger-ui/) renders
// the console's OpenAPI document. Without JavaScript the page keeps its server-rendered list of operations.
(() => {
  const target = document.getElementById("swagger-ui");
  if (!target || typeof window.SwaggerUIBundle !== "function") return;
  const fallback = document.querySelector("[data-api-fallback]");
  if (fallback) fallback.hidden = true;
  window.SwaggerUIBundle({
    url: target.dataset.specUrl,
    domNode: target,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No deep links: Swagger UI puts them inside each operation's toggle button (nested interactive
    // elements, which screen readers cannot reach). Each operation still has its id, operations-<tag>-<id>.
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    // The token is pasted into "Authorize" for "Try it out" and kept only in this page's memory.
    persistAuthorization: false,
    // The document is behind login and served by this console: no call to swagger.io's validator.
    validatorUrl: null,
  });

  // Swagger UI renders as the user expands operations; label what it leaves unnamed (the value pickers of
  // "Try it out", e.g. a boolean's select) after the parameter they belong to.
  function labelControls() {
    for (const control of target.querySelectorAll("select:not([aria-label]), input:not([aria-label]), textarea:not([aria-label])")) {
      if (control.labels && control.labels.length) continue;
      const row = control.closest("tr");
      const name = row && row.querySelector(".parameter__name");
      control.setAttribute("aria-label", name ? name.textContent.replace("*", "").trim() : control.placeholder || gettext("value"));
    }
  }
  new MutationObserver(labelControls).observe(target, { childList: true, subtree: true });
})();
