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
    deepLinking: true, // each operation has its own #/Tag/operationId link
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    // The token is pasted into "Authorize" for "Try it out" and kept only in this page's memory.
    persistAuthorization: false,
    // The document is behind login and served by this console: no call to swagger.io's validator.
    validatorUrl: null,
  });
})();
