/* The announcement view: the keyboard reveals the places of a category from
   the bottom up. Space, → or Page Down (what a presenter's remote sends)
   show the next place, ← or Page Up hide the last one; past either end the
   next or previous category opens. Without JavaScript the page's own links
   do the same one page at a time (?category=…&step=…), so this only saves
   the page loads. The address follows each step, so a reload keeps the
   place; no inline script, per the CSP (voting/security_headers.py). */
(function () {
  "use strict";

  var root = document.getElementById("announce");
  if (!root || !window.history || !window.URL) return;
  var items = Array.prototype.slice.call(root.querySelectorAll("[data-order]"));
  var steps = items.length;
  var step = parseInt(root.getAttribute("data-step"), 10) || 0;
  var nextCategory = root.getAttribute("data-next-category");
  var previousEnd = root.getAttribute("data-previous-end");
  var next = document.getElementById("announce-next");
  var back = document.getElementById("announce-back");
  var hint = document.getElementById("announce-hint");
  if (hint) hint.hidden = false;

  function address(n) {
    var url = new URL(window.location.href);
    url.searchParams.set("step", String(n));
    return url.toString();
  }

  function point(link, href) {
    if (!link) return;
    if (href) {
      link.setAttribute("href", href);
      link.hidden = false;
    } else {
      link.removeAttribute("href");
      link.hidden = true;
    }
  }

  function show(n) {
    step = n;
    items.forEach(function (item) {
      item.hidden = parseInt(item.getAttribute("data-order"), 10) > n;
    });
    window.history.replaceState(null, "", address(n));
    point(next, n < steps ? address(n + 1) : nextCategory);
    point(back, n > 0 ? address(n - 1) : previousEnd);
  }

  function forward() {
    if (step < steps) show(step + 1);
    else if (nextCategory) window.location.assign(nextCategory);
  }

  function backward() {
    if (step > 0) show(step - 1);
    else if (previousEnd) window.location.assign(previousEnd);
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (/^(INPUT|TEXTAREA|SELECT|BUTTON|SUMMARY)$/.test(target.tagName) || target.isContentEditable) return;
    var key = event.key;
    if (key === " " || key === "Spacebar" || key === "ArrowRight" || key === "PageDown") {
      event.preventDefault();
      forward();
    } else if (key === "ArrowLeft" || key === "PageUp") {
      event.preventDefault();
      backward();
    }
  });

  // A click on the links reveals in place too, within the category.
  if (next) next.addEventListener("click", function (event) {
    if (step < steps) { event.preventDefault(); forward(); }
  });
  if (back) back.addEventListener("click", function (event) {
    if (step > 0) { event.preventDefault(); backward(); }
  });
})();
