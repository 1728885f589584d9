// The API reference page (/api/docs): Swagger UI, served by the service itself, rendering
// /api/openapi.json. Runs under the pages' Content-Security-Policy: this file, not an inline
// script, starts it.
"use strict";

// Writes sent with "Try it out" carry the _xsrf cookie's value, as the site's own pages do
// (static/js/api.js); the page sets that cookie when it is served.
function xsrfToken() {
  const found = document.cookie.split("; ").find((item) => item.startsWith("_xsrf="));
  return found ? found.slice("_xsrf=".length) : "";
}

window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null, // no badge fetched from elsewhere
  requestInterceptor: (request) => {
    if (request.method && request.method.toUpperCase() !== "GET") {
      request.headers["X-XSRFToken"] = xsrfToken();
    }
    return request;
  },
});
