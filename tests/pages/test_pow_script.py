"""voting/static/pow.js, run by node: its SHA-256 and solver agree with the
server's, and its submit handler fills the form with a proof the API accepts."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from tests.support.voting import open_contest, voter_api
from voting.guards.domain import pow

NODE = "/usr/bin/node"
POW_JS = Path(__file__).resolve().parents[2] / "voting" / "static" / "pow.js"

SOLVE = "process.stdout.write(require(process.argv[1]).solve(process.argv[2], Number(process.argv[3])));"
HASH = """
const pow = require(process.argv[1]);
const hex = (words) => words.map((w) => (w >>> 0).toString(16).padStart(8, "0")).join("");
const out = JSON.parse(process.argv[2]).map((text) => hex(pow.sha256(new TextEncoder().encode(text))));
process.stdout.write(JSON.stringify(out));
"""
# Just enough of a browser for the submit handler: a form, its fields and
# status element, fetch answering with the challenge given, form.submit().
BROWSER = """
const [script, challengeJson, fetchFails] = process.argv.slice(1);
const field = () => ({value: ""});
const fields = {pow_token: field(), pow_nonce: field()};
const status = {textContent: "", className: "pow-status"};
const attrs = {"data-pow-bits": "8", "data-challenge-url": "/api/v1/challenge?contest=x",
               "data-pow-working": "Checking", "data-pow-sending": "Sending", "data-pow-failed": "Failed"};
const listeners = {};
const form = {elements: {namedItem: (name) => fields[name]}, getAttribute: (name) => attrs[name],
              querySelector: () => status, addEventListener: (type, fn) => { listeners[type] = fn; }};
let submitted = 0, fetched = null;
global.HTMLFormElement = function () {};
HTMLFormElement.prototype.submit = function () { submitted += 1; };
global.window = {addEventListener: () => {}};
global.document = {querySelectorAll: () => [form]};
global.fetch = (url, options) => {
  fetched = {url, credentials: options.credentials};
  if (fetchFails === "yes") return Promise.reject(new Error("offline"));
  return Promise.resolve({ok: true, json: () => Promise.resolve(JSON.parse(challengeJson))});
};
require(script);
let prevented = false;
listeners.submit({preventDefault: () => { prevented = true; }});
const working = status.textContent;
const report = () => process.stdout.write(JSON.stringify({
  prevented, working, status: status.textContent, className: status.className, submitted, fetched,
  token: fields.pow_token.value, nonce: fields.pow_nonce.value}));
const started = Date.now();
(function wait() {
  if (status.textContent !== working || Date.now() - started > 20000) return report();
  setTimeout(wait, 10);
})();
"""


def node(script: str, *args: str) -> str:
    done = subprocess.run([NODE, "-e", script, str(POW_JS), *args], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_sha256_agrees_with_hashlib():
    texts = ["", "abc", "a" * 55, "a" * 56, "a" * 63, "a" * 64, "a" * 119, "héllo ✓ 投票",
             "12.16.1700000000.0123456789abcdef.0123456789abcdef0123456789abcdef:4242"]
    assert json.loads(node(HASH, json.dumps(texts))) == [hashlib.sha256(t.encode()).hexdigest() for t in texts]


def test_node_solves_a_real_challenge_that_the_api_accepts(app, make):
    slug, ids = open_contest(app, pow_bits=8)
    api = voter_api(app, make)
    challenge = api.get(f"/api/v1/challenge?contest={slug}").get_json()
    assert challenge["bits"] == 8
    nonce = node(SOLVE, challenge["token"], str(challenge["bits"]))
    assert nonce == pow.solve(challenge["token"], 8)  # the same smallest nonce as the server's solver
    resp = api.post(f"/api/v1/contests/{slug}/ballots", json={
        "category": "c1", "selection": [ids["c1"][0]], "pow": {"token": challenge["token"], "nonce": nonce}})
    assert resp.status_code == 201, resp.get_json()


def test_the_submit_handler_fills_the_proof_and_submits(app, make):
    slug, ids = open_contest(app, pow_bits=8)
    api = voter_api(app, make)
    challenge = api.get(f"/api/v1/challenge?contest={slug}").get_json()
    result = json.loads(node(BROWSER, json.dumps(challenge), "no"))
    assert result["prevented"] and result["working"] == "Checking" and result["status"] == "Sending"
    assert result["submitted"] == 1 and result["fetched"]["credentials"] == "same-origin"
    assert result["token"] == challenge["token"]
    resp = api.post(f"/api/v1/contests/{slug}/ballots", json={
        "category": "c1", "selection": [ids["c1"][0]], "pow": {"token": result["token"], "nonce": result["nonce"]}})
    assert resp.status_code == 201, resp.get_json()


def test_a_failed_challenge_request_shows_an_error_and_sends_nothing():
    result = json.loads(node(BROWSER, "{}", "yes"))
    assert result["prevented"] and result["submitted"] == 0
    assert result["status"] == "Failed" and "pow-error" in result["className"]
    assert result["token"] == "" and result["nonce"] == ""


# --- what the page saw: the form's `script` field ----------------------------------------------------------

# A page visible 4 s, hidden a minute, visible 1.5 s more; a script's click
# (untrusted) and, if asked, a person's pointer. Then the form is sent.
OBSERVE = """
const [script, challengeJson, bits, carried, person] = process.argv.slice(1);
const field = (value) => ({value: value || ""});
const fields = {pow_token: field(), pow_nonce: field(), script: field(carried)};
const status = {textContent: "", className: "pow-status"};
const attrs = {"data-pow-bits": bits, "data-challenge-url": "/api/v1/challenge?contest=x",
               "data-pow-working": "Checking", "data-pow-sending": "Sending", "data-pow-failed": "Failed"};
const listeners = {}, seen = {};
const form = {elements: {namedItem: (name) => fields[name]}, getAttribute: (name) => attrs[name],
              querySelector: () => status, addEventListener: (type, fn) => { listeners[type] = fn; }};
let now = 1000, submitted = 0;
global.performance = {now: () => now};
global.HTMLFormElement = function () {};
HTMLFormElement.prototype.submit = function () { submitted += 1; };
global.window = {addEventListener: () => {}};
global.document = {visibilityState: "visible", querySelectorAll: () => [form],
                   addEventListener: (type, fn) => { (seen[type] = seen[type] || []).push(fn); }};
const fire = (type, trusted) => (seen[type] || []).forEach((fn) => fn({isTrusted: trusted}));
global.fetch = () => Promise.resolve({ok: true, json: () => Promise.resolve(JSON.parse(challengeJson))});
require(script);
now += 4000;
document.visibilityState = "hidden"; fire("visibilitychange");
now += 60000;
document.visibilityState = "visible"; fire("visibilitychange");
now += 1500;
fire("click", false);
if (person === "yes") fire("pointerdown", true);
let prevented = false;
listeners.submit({preventDefault: () => { prevented = true; }});
const report = () => process.stdout.write(JSON.stringify({prevented, submitted, script: fields.script.value}));
const started = Date.now();
(function wait() {
  if (!prevented || submitted || Date.now() - started > 20000) return report();
  setTimeout(wait, 10);
})();
"""
CHALLENGE = {"token": "1.4.9999999999.abcd.0123456789abcdef0123456789abcdef", "bits": 4}


def observed(bits: str, carried: str = "", person: str = "no") -> dict:
    result = json.loads(node(OBSERVE, json.dumps(CHALLENGE), bits, carried, person))
    return {**result, "script": json.loads(result["script"]) if result["script"] else None}


def test_the_script_field_tells_the_visible_time_and_whether_a_person_touched_the_page():
    with_proof = observed("4", person="yes")
    assert with_proof["prevented"] and with_proof["submitted"] == 1
    assert with_proof["script"] == {"visible_ms": 5500, "input": True, "webdriver": False}  # the hidden minute left out
    without_proof = observed("0")  # the form is sent as it is, the field filled on the way
    assert not without_proof["prevented"] and without_proof["submitted"] == 0
    assert without_proof["script"] == {"visible_ms": 5500, "input": False, "webdriver": False}  # a script's click is no person's


def test_a_form_shown_again_carries_what_its_first_showing_saw():
    # After a refusal the server shows the form again with the field as sent; the
    # script's own resend (data-pow-retry) must not lose the person's input.
    carried = json.dumps({"visible_ms": 20_000, "input": True})
    assert observed("4", carried)["script"] == {"visible_ms": 25_500, "input": True, "webdriver": False}
    assert observed("4", "not json")["script"] == {"visible_ms": 5500, "input": False, "webdriver": False}


def test_the_script_and_the_server_bound_the_visible_time_alike():
    from voting.ballots import wire
    assert f"MAX_VISIBLE_MS = {wire.MAX_VISIBLE_MS};" in POW_JS.read_text()
    huge = json.dumps({"visible_ms": wire.MAX_VISIBLE_MS, "input": True})
    assert observed("4", huge)["script"] == {"visible_ms": wire.MAX_VISIBLE_MS, "input": True, "webdriver": False}
