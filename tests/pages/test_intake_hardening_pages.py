"""Issue 11 on the pages: receipt codes in no URL, a ballot page whose
challenge became too easy during a spike sends the vote again once, a ballot
page's render time vouches for one ballot; and gunicorn's access log never
holds a receipt code."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from sqlalchemy import select

from tests.pages.support import page, sign_in, submit
from tests.pages.test_page_quality import check_page
from tests.pages.test_pow_script import NODE, POW_JS
from tests.pages.test_voting_pages import ballot_url, form_fields, receipt_code, vote
from tests.support.api import assert_error
from tests.support.voting import cast, open_contest, voter_api
from voting.ballots import backends, challenges, contest_view
from voting.guards.domain import pow
from voting.ballots.models import Ballot
from voting.extensions import db
from voting.gunicorn_conf import RedactingLogger, redact

VOTER = "voter@example.org"
ROOT = Path(__file__).resolve().parents[2]


def stored(app) -> list[Ballot]:
    with app.app_context():
        rows = list(db.session.scalars(select(Ballot).order_by(Ballot.id)))
        db.session.remove()
    return rows


def cast_from_page(client, slug: str, entry_id: int) -> str:
    """A vote sent from the ballot page; answers its receipt code, shown once."""
    resp = vote(client, slug, {"choice": str(entry_id)})
    assert resp.status_code == 303, page(resp).text[:2000]
    return receipt_code(client.get(resp.headers["Location"]).get_data(as_text=True))


# --- receipt codes in no URL ---------------------------------------------------------------------------------

def test_a_receipt_is_looked_up_by_a_form_post_and_its_code_is_in_no_url(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER)
    sign_in(client, VOTER)
    resp = vote(client, slug, {"choice": str(ids["c1"][0])})
    thanks = client.get(resp.headers["Location"])
    code = receipt_code(thanks.get_data(as_text=True))
    doc = page(thanks)
    assert not [a for t, a in doc.elements if code in json.dumps(a) and t != "input"]  # no link, no action
    check = doc.form("/receipts")
    assert check["method"] == "post" and check["fields"]["code"] == code and check["fields"]["csrf_token"]

    answer = client.post("/receipts", data=check["fields"])
    check_page(answer)
    assert "Received" in page(answer).text and answer.headers["Cache-Control"] == "no-store"
    assert code not in re.search(r"<title>(.*?)</title>", answer.get_data(as_text=True), re.S).group(1)

    by_form = submit(client, "/receipts", code=code.lower())  # typed on the lookup page
    assert by_form.status_code == 200 and "Received" in page(by_form).text


def test_the_lookup_page_needs_its_csrf_token(app, client):
    resp = client.post("/receipts", data={"code": "ABCD-EFGH"})
    check_page(resp, 403)


def test_old_lookup_addresses_lead_to_the_empty_form(app, client, make):
    slug, ids = open_contest(app)
    make.user(VOTER)
    sign_in(client, VOTER)
    code = cast_from_page(client, slug, ids["c1"][0])
    resp = client.get(f"/receipts/{code}")
    assert resp.status_code == 303 and resp.headers["Location"] == "/receipts"
    resp = client.get(f"/receipts?code={code}")  # the old GET form: not read
    check_page(resp)
    assert code not in resp.get_data(as_text=True) and "Received" not in page(resp).text


# --- a challenge that became too easy: pow.js asks for a new one and sends again, once -----------------------

def test_a_vote_whose_challenge_became_too_easy_is_sent_again_once(app, client, make):
    slug, ids = open_contest(app, pow_bits=4, pow_spike_per_minute=5)
    make.user(VOTER)
    sign_in(client, VOTER)
    fields = form_fields(client, slug)
    stale = [client.get(f"/api/v1/challenge?contest={slug}").get_json() for _ in range(2)]
    flood = voter_api(app, make, "flood@example.org")
    for _ in range(6):  # the intake spikes: more than 5 ballots this minute
        assert_error(cast(flood, slug, "c1", [1], with_proof=False), 400, "challenge_failed")
    choice = {"choice": str(ids["c1"][0])}

    def send(challenge, **extra):
        return client.post(ballot_url(slug), data={**fields, **choice, **extra, "pow_token": challenge["token"],
                                                   "pow_nonce": pow.solve(challenge["token"], challenge["bits"])})

    first = send(stale[0])
    check_page(first, 400)
    (form,) = page(first).find("form", action=ballot_url(slug))
    assert "data-pow-retry" in form and first.headers["Cache-Control"] == "no-store"
    assert "being sent again" in page(first).text
    assert page(first).find("input", id=f"choice-{ids['c1'][0]}")[0].get("checked") is not None

    again = send(stale[1], pow_retried="1")  # pow.js's resend, with a challenge that was stale too
    check_page(again, 400)
    (form,) = page(again).find("form", action=ballot_url(slug))
    assert "data-pow-retry" not in form and "Send your vote again" in page(again).text

    fresh = client.get(f"/api/v1/challenge?contest={slug}").get_json()
    assert fresh["bits"] == 5 and send(fresh, pow_retried="1").status_code == 303


# Just enough of a browser for pow.js on a page the server sent back with data-pow-retry.
RESEND = """
const [script, challengeJson] = process.argv.slice(1);
const field = () => ({value: ""});
const fields = {pow_token: field(), pow_nonce: field(), pow_retried: field()};
const status = {textContent: "", className: "pow-status"};
const attrs = {"data-pow-bits": "4", "data-challenge-url": "/api/v1/challenge?contest=x", "data-pow-retry": "",
               "data-pow-working": "Checking", "data-pow-sending": "Sending", "data-pow-failed": "Failed"};
const form = {elements: {namedItem: (name) => fields[name]}, getAttribute: (name) => attrs[name],
              querySelector: () => status, addEventListener: () => {}};
let submitted = 0, fetched = 0;
global.HTMLFormElement = function () {};
HTMLFormElement.prototype.submit = function () { submitted += 1; };
global.window = {addEventListener: () => {}};
global.document = {querySelectorAll: () => [form]};
global.fetch = () => { fetched += 1; return Promise.resolve({ok: true, json: () => Promise.resolve(JSON.parse(challengeJson))}); };
require(script);
const started = Date.now();
(function wait() {
  if (submitted || Date.now() - started > 20000) {
    return process.stdout.write(JSON.stringify({submitted, fetched, status: status.textContent,
      token: fields.pow_token.value, nonce: fields.pow_nonce.value, retried: fields.pow_retried.value}));
  }
  setTimeout(wait, 10);
})();
"""


def test_pow_js_resends_by_itself_on_a_page_sent_back_with_data_pow_retry():
    challenge = {"token": "1.4.9999999999.abcd.0123456789abcdef0123456789abcdef", "bits": 4}
    done = subprocess.run([NODE, "-e", RESEND, str(POW_JS), json.dumps(challenge)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {"submitted": 1, "fetched": 1, "status": "Sending", "token": challenge["token"],
                      "nonce": pow.solve(challenge["token"], 4), "retried": "1"}


# --- the render time: one page, one ballot -------------------------------------------------------------------

def test_a_ballot_page_keeps_its_render_time_after_a_refusal_and_it_vouches_once(app, client, make):
    slug, ids = open_contest(app, min_render_seconds=30)
    make.user(VOTER)
    sign_in(client, VOTER)
    fields = form_fields(client, slug)
    with app.app_context():  # as if the page had been read for a minute
        fields["rendered"] = challenges.render_token(backends.current(), contest_view.get(slug),
                                                     datetime.now(timezone.utc) - timedelta(minutes=1))
    refused = vote(client, slug, {"choice": str(ids["c1"][0])}, with_proof=False, fields=fields)
    check_page(refused, 400)
    assert page(refused).form(ballot_url(slug))["fields"]["rendered"] == fields["rendered"]  # kept
    assert vote(client, slug, {"choice": str(ids["c1"][0])}, fields=fields).status_code == 303
    # The same page's token again, for another category: it vouches for nothing now, and the
    # ballot is timed from its challenge, fetched a moment before.
    assert vote(client, slug, {"choice": str(ids["c2"][0])}, category="c2", fields=fields).status_code == 303
    first, second = stored(app)
    assert first.status == "counted" and first.flags == [] and 60_000 <= first.page_ms < 120_000
    assert second.status == "under_review" and {"render_reused", "too_fast", "no_page"} <= set(second.flags)
    assert second.page_ms is None


# --- what the page's script saw ----------------------------------------------------------------------------

def test_the_page_records_what_its_script_saw_and_reads_a_bad_field_as_no_script(app, client, make):
    """A page's ballot is never refused for its `script` field: one that does
    not read as what pow.js writes counts as a script that did not run."""
    slug, ids = open_contest(app, categories=4)
    make.user(VOTER)
    sign_in(client, VOTER)
    sent = {"c1": '{"visible_ms":5000,"input":false}', "c2": "{not json",
            "c3": '{"visible_ms":5000,"input":true,"extra":1}', "c4": "x" * 300}
    for category, script in sent.items():
        resp = vote(client, slug, {"choice": str(ids[category][0])}, category=category, script=script)
        assert resp.status_code == 303, page(resp).text[:500]
    flags = [b.flags for b in stored(app)]
    assert flags == [["no_input"], ["no_script"], ["no_script"], ["no_script"]]
    assert all(b.status == "counted" and b.page_ms is not None for b in stored(app))


# --- gunicorn's access log -----------------------------------------------------------------------------------

def test_redact_cuts_receipt_codes_out_of_paths_queries_and_referers():
    code = "KQ3T-M7ZB-XW2N-R4DA-P6YH-C5FJ"
    cases = {
        f"GET /api/v1/receipts/{code} HTTP/1.1": "GET /api/v1/receipts/[redacted] HTTP/1.1",
        f"/receipts/{code}": "/receipts/[redacted]",
        f"GET /receipts?code={code}&x=1 HTTP/1.1": "GET /receipts?code=[redacted]&x=1 HTTP/1.1",
        f"code={code}": "code=[redacted]",
        f"https://vote.example.org/receipts/{code}": "https://vote.example.org/receipts/[redacted]",
        f"/%72eceipts/{code}": "/receipts/[redacted]",
        f"/api/v1/Receipts/{code.lower()}?a=b": "/api/v1/Receipts/[redacted]?a=b",
        "POST /api/v1/receipts/lookup HTTP/1.1": "POST /api/v1/receipts/lookup HTTP/1.1",
        "GET /api/v1/contests/x/ballots HTTP/1.1": "GET /api/v1/contests/x/ballots HTTP/1.1",
        "/search?q=50%25": "/search?q=50%25",
    }
    assert {text: redact(text) for text in cases} == cases


def test_the_access_log_holds_no_receipt_code(tmp_path):
    log_file = tmp_path / "access.log"
    cfg = Config()
    cfg.set("accesslog", str(log_file))
    cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s %({referer}i)s %({raw_uri}e)s')
    logger = RedactingLogger(cfg)
    code = "KQ3T-M7ZB-XW2N-R4DA-P6YH-C5FJ"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/receipts/{code}?code={code}",
               "PATH_INFO": f"/api/v1/receipts/{code}", "QUERY_STRING": f"code={code}",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1",
               "HTTP_REFERER": f"https://vote.example.org/receipts/{code}"}
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    written = log_file.read_text()
    assert "192.0.2.1" in written and "/api/v1/receipts/[redacted]" in written
    assert code not in written and code.lower() not in written
    logging.getLogger("gunicorn.access").handlers.clear()


def test_the_image_and_the_run_command_use_the_redacting_log():
    assert '"--config", "python:voting.gunicorn_conf"' in (ROOT / "Dockerfile").read_text()
    assert '"--config", "python:voting.gunicorn_conf"' in (ROOT / "voting" / "devstack.py").read_text()
    from voting import gunicorn_conf
    assert gunicorn_conf.logger_class is RedactingLogger
