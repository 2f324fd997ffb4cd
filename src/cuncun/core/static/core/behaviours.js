// What the pages' buttons and fields do beyond plain HTML, said by data- attributes instead of
// inline handlers (the Content-Security-Policy runs no inline script). Loaded on every page; the
// listeners sit on the document, so parts swapped in later by htmx behave the same.
//   data-confirm="…"       on a submit button or a form: asks first; cancelling sends nothing
//   data-print             prints the page; data-print-open="details.x" opens those details first
//   data-autosubmit        on a field (or its form): sends the form when the field changes
//   data-back              on a link: back to the page before (the link's address without script)
(function () {
  // In the capture phase, before any other listener (offline.js keeps some forms to send later):
  // a cancelled confirmation must leave nothing queued either.
  document.addEventListener("submit", function (event) {
    var asking = (event.submitter && event.submitter.closest("[data-confirm]")) ||
      event.target.closest("[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var printing = event.target.closest("[data-print]");
    if (printing) {
      event.preventDefault();
      var folded = printing.getAttribute("data-print-open");
      if (folded) document.querySelectorAll(folded).forEach(function (d) { d.open = true; });
      window.print();
      return;
    }
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || !field.closest("[data-autosubmit]")) return;
    // requestSubmit checks the form and lets its submit listeners run, as a tap on its button
    // would; submit() where an old browser lacks it.
    if (field.form.requestSubmit) field.form.requestSubmit();
    else field.form.submit();
  });
})();
