/* A long job's page (templates/organiser/job.html): while the job waits or
   runs, ask GET /api/v1/jobs/<id> how it is going, and when its status,
   stage or progress count (done, total: a seal's "ballots: x of y") has
   changed, fetch this page again and put its new status block in place of
   the old one. The block is a polite live region, so a screen
   reader hears the news once, between what the reader is doing. Without
   JavaScript the page's "Check again" link does the same by hand. No inline
   script, per the CSP (voting/security_headers.py): the status address and
   the shown status come from data- attributes. Polls every 2 s, slowing to
   every 15 s, and stops after an hour or at the end of the job. */
(function () {
  "use strict";

  var region = document.getElementById("job-state");
  if (!region || !window.fetch || !window.DOMParser) return;
  var statusUrl = region.getAttribute("data-status-url");
  var shown = region.getAttribute("data-status");
  var DONE = {finished: true, failed: true};
  if (!statusUrl || DONE[shown]) return;
  var delay = 2000;
  var deadline = Date.now() + 3600 * 1000;

  function later() {
    if (Date.now() < deadline) {
      window.setTimeout(poll, delay);
      delay = Math.min(delay * 1.5, 15000);
    }
  }

  function refresh() {
    // The page itself has every text in the reader's language and the result's link.
    return fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job-state");
        if (!fresh) return;
        region.innerHTML = fresh.innerHTML;
        region.setAttribute("data-status", fresh.getAttribute("data-status") || "");
        var kept = ["data-progress", "data-done", "data-total"];
        for (var i = 0; i < kept.length; i++) region.setAttribute(kept[i], fresh.getAttribute(kept[i]) || "");
        shown = region.getAttribute("data-status");
        hideManual();
      });
  }

  function hideManual() {
    var manual = region.querySelectorAll("[data-manual]");
    for (var i = 0; i < manual.length; i++) manual[i].hidden = true;
  }

  function text(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  function moved(body) {
    return body.status !== region.getAttribute("data-status") ||
      text(body.progress) !== text(region.getAttribute("data-progress")) ||
      text(body.done) !== text(region.getAttribute("data-done")) ||
      text(body.total) !== text(region.getAttribute("data-total"));
  }

  function poll() {
    fetch(statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (body) {
        if (!body) return later();
        if (!moved(body)) return later();
        delay = 2000;
        return refresh().then(function () { if (!DONE[shown]) later(); });
      })
      .catch(later);
  }

  hideManual();
  later();
})();
