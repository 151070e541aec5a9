/*
 * The map's idea form says what is missing before anything is sent: the form has
 * novalidate, as the browser's own bubbles ("Please fill out this field") speak the
 * browser's language, not the page's. Each empty required field and a pin that is
 * missing or outside is listed in the summary at the top of the form, in the words the
 * server would answer (words.idea_missing, from measures/domain/ideas.py), marked at its
 * field, and the focus goes to the summary: beside the map, or on a phone in the sheet
 * under it, so that both are in view. The server checks again whatever is sent.
 */
import { pinProblem } from "./idea-pin.js";
import { words } from "./page.js";

const form = document.getElementById("idea-form");
const summary = document.getElementById("idea-errors");
// Each required field: where its summary line leads, and whether it is empty.
const REQUIRED = {
  title: { id: "idea-title", empty: (field) => !field.value.trim() },
  description: { id: "idea-description", empty: (field) => !field.value.trim() },
  consent: { id: "idea-consent", empty: (field) => !field.checked },
};

function unmark(field) {
  field.removeAttribute("aria-invalid");
  field.removeAttribute("aria-describedby");
}

function clearErrors() {
  summary.hidden = true;
  summary.querySelector("ul").replaceChildren();
  form.querySelectorAll(".field-error[data-from-script]").forEach((note) => note.remove());
  Object.values(REQUIRED).forEach(({ id }) => unmark(document.getElementById(id)));
}

/** The field's own note, where the server puts it: before the field, or before the
 * label a check box sits in. */
function mark(field, name, text) {
  const note = document.createElement("span");
  note.className = "field-error";
  note.id = `${name}-error`;
  note.dataset.fromScript = "";
  note.textContent = text;
  (field.type === "checkbox" ? field.closest("label") : field).before(note);
  field.setAttribute("aria-invalid", "true");
  field.setAttribute("aria-describedby", note.id);
}

function listed(text, target) {
  const link = document.createElement("a");
  link.href = `#${target.id}`;
  link.textContent = text;
  // To the field, without a jump in the URL the map keeps its view in.
  link.addEventListener("click", (event) => {
    event.preventDefault();
    target.focus();
  });
  const item = document.createElement("li");
  item.append(link);
  return item;
}

function check(event) {
  clearErrors();
  const items = [];
  const pin = pinProblem();
  if (pin) {
    const text = pin === "missing" ? words.idea_missing.location : words.pin_outside;
    items.push(listed(text, document.getElementById("pin-center")));
  }
  for (const [name, { id, empty }] of Object.entries(REQUIRED)) {
    const field = document.getElementById(id);
    if (empty(field)) {
      mark(field, name, words.idea_missing[name]);
      items.push(listed(words.idea_missing[name], field));
    }
  }
  if (items.length) {
    event.preventDefault();
    summary.querySelector("ul").replaceChildren(...items);
    summary.hidden = false;
    summary.focus();
  }
}

export function startIdeaForm() {
  form.addEventListener("submit", check);
  document.getElementById("idea-cancel").addEventListener("click", clearErrors);
}
