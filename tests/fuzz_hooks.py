"""Schemathesis hooks for tests/test_api_fuzz.py (loaded by the `schemathesis` command, as
tests/schemathesis.toml says): who each generated request is sent as, and the check that every `/api/`
answer is the JSON the reference promises.

The test registers three users and writes their cookies to the file IHOME_FUZZ_IDENTITIES names:
a verified landlord, a guest, and a third user whose sessions are there to be logged out.
"""
import json
import os

import httpx
import schemathesis
from schemathesis.core.failures import Failure

IDENTITIES = json.loads(open(os.environ["IHOME_FUZZ_IDENTITIES"], encoding="utf-8").read())

# The guest books, cancels, reviews and edits reviews; the landlord does the rest (replies too),
# so that the stateful links (publish -> book -> accept) are each taken by the user who may take them.
GUEST_OPERATIONS = {("POST", "/api/order"), ("POST", "/api/order/list2"), ("POST", "/api/order/cancel"),
                    ("POST", "/api/order/comment"), ("POST", "/api/order/comment/edit")}
# Logging out ends the session it is sent with, and logging in or registering would replace it:
# these get a session of their own, logged in for each request.
SESSION_ENDING_OPERATIONS = {("GET", "/api/logout"), ("POST", "/api/logout"), ("POST", "/api/login"),
                             ("POST", "/api/register")}


def fresh_session():
    """The cookies of a new session of the third user."""
    with httpx.Client(base_url=IDENTITIES["base_url"], timeout=30) as client:
        client.get("/api/check_login")
        answer = client.post("/api/login", json=IDENTITIES["spare"],
                             headers={"X-XSRFToken": client.cookies["_xsrf"]}).json()
        assert answer["errcode"] == "0", answer
        return dict(client.cookies)


@schemathesis.auth(refresh_interval=None)
class SiteUsers:
    """The cookies of the user an operation is sent as, and their XSRF token as a header."""

    def get(self, case, context):
        key = (context.operation.method.upper(), context.operation.path)
        if key in SESSION_ENDING_OPERATIONS:
            return fresh_session()
        return IDENTITIES["guest" if key in GUEST_OPERATIONS else "landlord"]

    def set(self, case, cookies, context):
        case.cookies = {**(case.cookies or {}), **cookies}
        case.headers = {**(case.headers or {}), "X-XSRFToken": cookies["_xsrf"]}


# Answers under /api/ that are no JSON, as docs/openapi.yaml declares them: the captcha image, the
# reference's page with its files, and the payment gateway's own protocol (with --payment=alipay:
# `success` or `fail` to its notification, and the redirect, without a body, of the browser it
# sends back).
NOT_JSON = {("/api/piccode", "image/png"), ("/api/docs", "text/html"), ("/api/docs/{file}", "text/css"),
            ("/api/docs/{file}", "application/javascript"), ("/api/pay/notify", "text/plain")}
REDIRECTS = {"/api/pay/return"}


@schemathesis.check
def api_answers_are_json(ctx, response, case):
    """Every answer under /api/ is a JSON object (an envelope with an errcode, but for the
    reference itself), except the few that the reference declares otherwise."""
    path = case.operation.path
    if not path.startswith("/api/"):
        return None
    content_type = next((values[0] for name, values in response.headers.items() if name.lower() == "content-type"), "")
    media_type = content_type.split(";")[0].strip()
    if (path, media_type) in NOT_JSON or (path in REDIRECTS and response.status_code == 302):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise Failure(operation=case.operation.label, title="An /api/ answer that is not JSON",
                      message=f"{response.status_code} {media_type}: {response.content[:200]!r}") from None
    if not isinstance(body, dict) or (path != "/api/openapi.json" and "errcode" not in body):
        raise Failure(operation=case.operation.label, title="An /api/ answer without the envelope",
                      message=f"{response.status_code}: {response.content[:200]!r}")
    return None
