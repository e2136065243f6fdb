// Copy buttons: a button with data-copy-target copies that element's text.
// Buttons start hidden, so pages without JavaScript show only the selectable text.
(function () {
  "use strict";

  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(button) {
    const target = document.getElementById(button.dataset.copyTarget);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!target) {
      return;
    }
    const report = (text) => {
      if (status) {
        status.textContent = text;
      }
    };
    const failed = () => {
      selectText(target);
      report(button.dataset.copyFailedText);
    };
    if (!navigator.clipboard) {
      failed();
      return;
    }
    navigator.clipboard
      .writeText(target.textContent.trim())
      .then(() => report(button.dataset.copiedText), failed);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-copy-target]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => copy(button));
    });
  });
})();
