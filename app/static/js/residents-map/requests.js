/* Asking the app: addresses with a query, JSON answers. */

/** `url` with the query of `params` (URLSearchParams), if it has any. */
export function withQuery(url, params) {
  const query = params.toString();
  return query ? url + "?" + query : url;
}

export async function getJSON(url) {
  const response = await fetch(url, {
    headers: { Accept: "application/geo+json, application/json" },
  });
  if (!response.ok) {
    throw new Error("HTTP " + response.status);
  }
  return response.json();
}
