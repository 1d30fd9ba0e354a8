/* The summary's live word count on the entry form. It counts as the server
   does (voting/submissions/domain/words.py, which decides): runs of letters,
   digits and marks are words, an apostrophe or hyphen inside a run keeps it
   one word, and each Chinese or Japanese character is a word of its own.
   Without JavaScript the count printed by the server stays, and the server
   refuses a summary over the limit. `count` is a pure function so node can
   check it against the server. */
(function () {
  "use strict";

  var JOINERS = "'\u2019\u2010-\u200c\u200d";
  var CONTINUATIONS = "\u30fc\u309d\u309e\u30fd\u30fe\u3005";
  var CHARACTER_WORDS = [[0x3040, 0x309F], [0x30A0, 0x30FF], [0x31F0, 0x31FF], [0x3400, 0x4DBF],
                         [0x4E00, 0x9FFF], [0xF900, 0xFAFF], [0xFF66, 0xFF9D], [0x20000, 0x323AF]];
  var LETTER = /[\p{L}\p{N}\p{M}]/u;

  function characterWord(code) {
    for (var i = 0; i < CHARACTER_WORDS.length; i++) {
      if (code >= CHARACTER_WORDS[i][0] && code <= CHARACTER_WORDS[i][1]) return true;
    }
    return false;
  }

  function count(text) {
    var words = 0, inWord = false;
    for (var ch of text) {
      if (CONTINUATIONS.indexOf(ch) >= 0) continue;
      if (characterWord(ch.codePointAt(0))) { words += 1; inWord = false; }
      else if (LETTER.test(ch)) { if (!inWord) { words += 1; inWord = true; } }
      else if (inWord && JOINERS.indexOf(ch) >= 0) continue;
      else inWord = false;
    }
    return words;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  /* The sentences come from the page (data-texts), translated, one per plural
     category of the page's language ("one", "few", "many", "other"…); the
     browser's Intl.PluralRules says which category a number falls in. */
  function chooser(lang) {
    var rules = null;
    try { rules = typeof Intl !== "undefined" && Intl.PluralRules ? new Intl.PluralRules(lang || undefined) : null; }
    catch (err) { rules = null; }
    return function (forms, n) {
      var category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
      return forms[category] || forms.other || forms.many || forms[Object.keys(forms)[0]] || "";
    };
  }

  function attach(area) {
    var out = document.getElementById(area.getAttribute("data-word-count"));
    if (!out) return;
    var max = parseInt(out.getAttribute("data-max-words"), 10);
    var texts = JSON.parse(out.getAttribute("data-texts") || "{}");
    var pick = chooser(document.documentElement && document.documentElement.lang);
    function update() {
      var n = count(area.value);
      if (!max) out.textContent = fill(pick(texts.count, n), {count: n});
      else if (n > max) out.textContent = fill(pick(texts.over, n), {count: n, over: n - max});
      else out.textContent = fill(pick(texts.max, max), {count: n, max: max});
      out.classList.toggle("word-count-over", Boolean(max) && n > max);
    }
    area.addEventListener("input", update);
    update();
  }

  if (typeof module !== "undefined" && module.exports) module.exports = {count: count};
  if (typeof document !== "undefined") {
    var areas = document.querySelectorAll("textarea[data-word-count]");
    for (var i = 0; i < areas.length; i++) attach(areas[i]);
  }
})();
