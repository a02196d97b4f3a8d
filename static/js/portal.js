// Progressive enhancements only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Select a freshly shown token when it receives focus, ready to copy.
  for (const input of document.querySelectorAll("[data-select-on-focus]")) {
    input.addEventListener("focus", () => input.select());
  }
  // Move focus to an error summary so screen-reader users hear what went wrong.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  // Confirm destructive actions marked with data-confirm.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
