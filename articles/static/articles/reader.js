/* The article reader: a click on a highlighted passage (without selecting text) or Enter on
   a focused one opens its claim; the side list's "show in the article" scrolls to the passage
   and flashes it. */
(function () {
  "use strict";
  var body = document.getElementById("fc-body");
  if (!body) { return; }
  function open(mark) {
    if (mark && mark.dataset.href) { window.location.href = mark.dataset.href; }
  }
  body.addEventListener("click", function (event) {
    var selection = window.getSelection();
    if (selection && !selection.isCollapsed) { return; }  // selecting text, not following
    open(event.target.closest("mark.fc-hl"));
  });
  body.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { open(event.target.closest("mark.fc-hl")); }
  });
  document.querySelectorAll("a.fc-jump").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var mark = document.getElementById("claim-" + link.dataset.claim);
      if (!mark) { return; }
      event.preventDefault();
      mark.scrollIntoView({ behavior: "smooth", block: "center" });
      mark.classList.add("fc-flash");
      mark.focus({ preventScroll: true });
      window.setTimeout(function () { mark.classList.remove("fc-flash"); }, 1600);
    });
  });
})();
