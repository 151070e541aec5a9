/*
 * Small helpers for building the page. Text from data goes in through textContent, never
 * as HTML.
 */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  return node;
}

/** A link to a record's page; `template` holds __ID__ where the id goes. */
export function recordLink(template, id, text, className) {
  const link = element("a", className, text);
  link.href = template.replace("__ID__", encodeURIComponent(id));
  return link;
}
