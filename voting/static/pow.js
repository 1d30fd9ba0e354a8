/* The ballot page's script: proof of work for ballot (and registration)
   forms, and what the page saw of its visitor (docs/intake.md, steps 2 and 5).
   Before a ballot is sent, the browser asks the server for a challenge and
   finds the smallest decimal nonce such that SHA-256(token + ":" + nonce)
   starts with `bits` zero bits. That costs a browser a moment and a vote farm
   a lot. SHA-256 is written out here rather than taken from crypto.subtle,
   which exists only on HTTPS pages and is slow when called once per hash.
   `solve` is a pure function so node can check it against the server.
   As a ballot leaves, the form's `script` field gets what the page observed:
   how long it was visible, and whether a person's input reached it. A ballot
   from a page without it is one whose script never ran (`no_script`). */
(function () {
  "use strict";

  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Int32Array(64);

  function utf8(text) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(text);
    var raw = unescape(encodeURIComponent(text)), bytes = [];
    for (var i = 0; i < raw.length; i++) bytes.push(raw.charCodeAt(i));
    return bytes;
  }

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  /* SHA-256 of an array of bytes, as eight 32-bit words. */
  function sha256(bytes) {
    var length = bytes.length, blocks = (length + 72) >> 6, words = new Int32Array(blocks * 16), i, t;
    for (i = 0; i < length; i++) words[i >> 2] |= bytes[i] << (24 - (i & 3) * 8);
    words[length >> 2] |= 0x80 << (24 - (length & 3) * 8);
    words[blocks * 16 - 1] = length * 8; // inputs here are short: the high half of the bit length is 0
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    for (var block = 0; block < words.length; block += 16) {
      for (t = 0; t < 16; t++) W[t] = words[block + t];
      for (t = 16; t < 64; t++) {
        var x = W[t - 15], y = W[t - 2];
        W[t] = (W[t - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + W[t - 7] +
                (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10))) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
    }
    return h;
  }

  function leadingZeroBits(words) {
    for (var i = 0, bits = 0; i < words.length; i++, bits += 32) {
      if (words[i] !== 0) return bits + Math.clz32(words[i]);
    }
    return bits;
  }

  /* Zero bits of SHA-256(prefix + the decimal digits of nonce). */
  function zeroBits(prefix, nonce) {
    var digits = String(nonce), bytes = new Uint8Array(prefix.length + digits.length);
    bytes.set(prefix);
    for (var i = 0; i < digits.length; i++) bytes[prefix.length + i] = digits.charCodeAt(i);
    return leadingZeroBits(sha256(bytes));
  }

  /* The smallest decimal nonce for a token: the same answer as the server's pow.solve. */
  function solve(token, bits) {
    var prefix = utf8(token + ":"), nonce = 0;
    while (zeroBits(prefix, nonce) < bits) nonce++;
    return String(nonce);
  }

  /* solve, in slices of about 50 ms so the page stays responsive; a Promise of the nonce. */
  function solveInSteps(token, bits) {
    var prefix = utf8(token + ":"), nonce = 0;
    return new Promise(function (resolve) {
      (function step() {
        var until = Date.now() + 50;
        while (Date.now() < until) {
          for (var i = 0; i < 500; i++, nonce++) {
            if (zeroBits(prefix, nonce) >= bits) return resolve(String(nonce));
          }
        }
        setTimeout(step, 0);
      })();
    });
  }

  var MAX_VISIBLE_MS = 86400000; // a day: the server's bound (ballots/wire.py, MAX_VISIBLE_MS)
  var INPUTS = ["pointerdown", "touchstart", "keydown", "click", "change", "input"];

  /* Watches a document from now on: time visible, and whether trusted input
     (a person's, not a script's dispatchEvent) reached it. Answers a function
     of what was seen, added to what an earlier showing of the form carried. */
  function observe(doc, now) {
    var visibleMs = 0, since = doc.visibilityState === "hidden" ? null : now(), input = false;
    if (doc.addEventListener) {
      doc.addEventListener("visibilitychange", function () {
        if (doc.visibilityState === "hidden") {
          if (since !== null) { visibleMs += now() - since; since = null; }
        } else if (since === null) {
          since = now();
        }
      });
      var seeInput = function (event) { if (event.isTrusted) input = true; };
      for (var i = 0; i < INPUTS.length; i++) doc.addEventListener(INPUTS[i], seeInput, {capture: true, passive: true});
    }
    return function seen(carried) {
      var ms = visibleMs + (since === null ? 0 : now() - since) + (carried ? carried.visible_ms : 0);
      return {visible_ms: Math.max(0, Math.min(MAX_VISIBLE_MS, Math.round(ms))), input: input || !!(carried && carried.input),
              webdriver: typeof navigator !== "undefined" && navigator.webdriver === true};
    };
  }

  /* What an earlier showing of the form observed (the server shows a refused
     ballot's form again with the field as sent), or null. */
  function carriedFrom(field) {
    try {
      var value = field && field.value ? JSON.parse(field.value) : null;
      return value && typeof value.visible_ms === "number" ? value : null;
    } catch (err) {
      return null;
    }
  }

  function attach(form, seen) {
    var status = form.querySelector("[data-pow-status]");
    var token = form.elements.namedItem("pow_token"), nonce = form.elements.namedItem("pow_nonce");
    var script = form.elements.namedItem("script"), carried = carriedFrom(script);
    var state = "idle"; // idle, working, sent

    function observed() {
      if (script && seen) script.value = JSON.stringify(seen(carried));
    }

    function say(name, failed) {
      if (!status) return;
      status.textContent = form.getAttribute("data-pow-" + name) || "";
      status.className = failed ? "pow-status pow-error" : "pow-status";
    }

    // Back from the next page (bfcache): the proof is spent, start over. (On a
    // first showing the fields are empty already, and a resend below may be under way.)
    window.addEventListener("pageshow", function (event) {
      if (event && event.persisted === false) return;
      token.value = nonce.value = "";
      state = "idle";
      say("none", false);
    });

    /* Ask for a challenge, solve it, and send the form with the proof. */
    function send() {
      state = "working";
      say("working", false);
      var failed = function () { state = "idle"; say("failed", true); };
      try {
        fetch(form.getAttribute("data-challenge-url"), {credentials: "same-origin", cache: "no-store",
                                                         headers: {Accept: "application/json"}})
          .then(function (response) {
            if (!response.ok) throw new Error("challenge answered " + response.status);
            return response.json();
          })
          .then(function (challenge) {
            return solveInSteps(challenge.token, challenge.bits).then(function (found) {
              token.value = challenge.token;
              nonce.value = found;
              state = "sent";
              say("sending", false);
              observed();
              HTMLFormElement.prototype.submit.call(form); // no second submit event
            });
          })
          .catch(failed);
      } catch (err) {
        failed(); // no fetch or Promise: say so rather than fail silently
      }
    }

    form.addEventListener("submit", function (event) {
      if (state === "sent") { event.preventDefault(); return; } // a second click would be a second ballot
      if (Number(form.getAttribute("data-pow-bits")) <= 0 || (token.value && nonce.value)) { observed(); return; }
      event.preventDefault();
      if (state === "working") return;
      send();
    });

    // The server sent the form back because its challenge became too easy
    // while it was being solved (many votes were arriving, and the contest's
    // difficulty rose): ask for a new challenge and send the vote again, once.
    // The server leaves this attribute out when the vote was such a resend.
    if (form.getAttribute("data-pow-retry") != null) {
      var retried = form.elements.namedItem("pow_retried");
      if (retried) retried.value = "1";
      send();
    }
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = {solve: solve, solveInSteps: solveInSteps, sha256: sha256, leadingZeroBits: leadingZeroBits,
                      observe: observe, MAX_VISIBLE_MS: MAX_VISIBLE_MS};
  }
  if (typeof document !== "undefined") {
    var clock = typeof performance !== "undefined" && performance.now ? function () { return performance.now(); }
                                                                       : function () { return Date.now(); };
    var seen = observe(document, clock);
    var forms = document.querySelectorAll("form[data-pow-bits]");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].elements.namedItem("pow_token") && forms[i].elements.namedItem("pow_nonce")) attach(forms[i], seen);
    }
  }
})();
