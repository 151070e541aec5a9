/*
 * "Link kopieren" on the private status page: the author keeps the only key to the idea.
 * The button shows only where a script and the clipboard work; the e-mail link works
 * without either.
 */
const button = document.getElementById("copy-link");
const status = document.getElementById("copy-status");

function tell(text) {
  status.textContent = text;
  status.hidden = false;
}

if (button && navigator.clipboard) {
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(button.dataset.link).then(
      () => tell(button.dataset.copied),
      () => tell(button.dataset.failed)
    );
  });
}
