"""voting/static/pow.js, run by node: its SHA-256 and solver agree with the
server's, and its submit handler fills the form with a proof the API accepts."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from tests.support.voting import open_contest, voter_api
from voting.ballots.domain import pow

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
