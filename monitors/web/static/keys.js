/* veille reader keyboard shortcuts: j/k next/previous article, o open it, s read later,
   m read/unread, l/h the next/previous page of a list (as Miniflux's), ? help. Pages work
   without it: each key presses a button or link the page already has. */
(function () {
  "use strict";
  var current = -1;
  function entries() { return Array.prototype.slice.call(document.querySelectorAll(".entry")); }
  function select(index) {
    var list = entries();
    if (!list.length) { return; }
    index = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (e) { e.classList.remove("current"); });
    current = index;
    list[index].classList.add("current");
    list[index].scrollIntoView({ block: "nearest" });
    var open = list[index].querySelector("a.open");
    if (open) { open.focus({ preventScroll: true }); }
  }
  function press(selector) {
    var scope = entries()[current] || document.querySelector(".article-actions");
    var target = scope && scope.querySelector(selector);
    if (target) { target.click(); }
  }
  function follow(rel) {
    var link = document.querySelector('.pager a[rel="' + rel + '"]');
    if (link) { link.click(); }
  }
  function help() {
    var dialog = document.getElementById("keys-help");
    if (!dialog) { return; }
    if (dialog.open) { dialog.close(); } else if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var hash = location.hash.match(/^#a-(\d+)$/);
    if (hash) {
      var found = entries().findIndex(function (e) { return e.id === "a-" + hash[1]; });
      if (found >= 0) { select(found); }
    }
    Array.prototype.forEach.call(document.querySelectorAll("a.keys-link"), function (link) {
      link.addEventListener("click", function (event) { event.preventDefault(); help(); });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = (event.target && event.target.tagName) || "";
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (event.target && event.target.isContentEditable)) { return; }
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o": press("a.open"); break;
      case "s": press('[data-key="s"]'); break;
      case "m": press('[data-key="m"]'); break;
      case "l": follow("next"); break;
      case "h": follow("prev"); break;
      case "?": help(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
