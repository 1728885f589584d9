"""Every operation of docs/openapi.yaml, fuzzed by Schemathesis against the running server.

`schemathesis run` reads the reference from the server itself (/api/openapi.json) and sends
generated requests to every operation: the examples the reference gives, boundary values of
every parameter (its coverage phase), random ones, and chains that follow the reference's links
(a captcha to the SMS request, a published house to its page, a photo and a booking, a booking to
the landlord's answer and the guest's cancellation or review). Each answer must be no 5xx, a
status, content type, headers and body the reference declares for that operation, and under
/api/ the JSON envelope (tests/fuzz_hooks.py). Requests go out as a verified landlord or a guest
(fuzz_hooks.SiteUsers), so they reach past the login checks.

Bounded by count, not time (tests/schemathesis.toml: 8 examples per operation and phase, 20
chains, one worker) and seeded (IHOME_FUZZ_SEED picks another seed): about a minute here. The
captcha and login limits are off on the suite's server; no generated SMS request can pass a
captcha, so no SMS quota is spent.
"""
import json
import os
import subprocess
import sys

from tests.conftest import OUTPUT, ROOT, ApiClient
from tests.helpers import GUEST_MOBILE, LANDLORD_MOBILE, register, verify_identity

SPARE_MOBILE = "13700000003"
FUZZ_SEED = int(os.environ.get("IHOME_FUZZ_SEED", "18"))
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance", "api_answers_are_json"]


def test_every_operation_answers_as_the_reference_says(server, redis_client, tmp_path):
    landlord, guest, spare = ApiClient(server.url), ApiClient(server.url), ApiClient(server.url)
    try:
        register(landlord, redis_client, LANDLORD_MOBILE)
        verify_identity(landlord)
        register(guest, redis_client, GUEST_MOBILE)
        register(spare, redis_client, SPARE_MOBILE)
        identities = {"base_url": server.url, "landlord": dict(landlord.cookies), "guest": dict(guest.cookies),
                      "spare": {"mobile": SPARE_MOBILE, "password": "correct horse 1"}}
    finally:
        for client in (landlord, guest, spare):
            client.close()
    (tmp_path / "identities.json").write_text(json.dumps(identities))
    report = OUTPUT / "schemathesis"
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", "tests/schemathesis.toml", "--no-color",
               "run", f"{server.url}/api/openapi.json", "--checks", ",".join(CHECKS), "--seed", str(FUZZ_SEED),
               "--report", "junit", "--report-dir", str(report)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "IHOME_FUZZ_IDENTITIES": str(tmp_path / "identities.json")})
    (report / "output.txt").parent.mkdir(parents=True, exist_ok=True)
    (report / "output.txt").write_text(finished.stdout + finished.stderr)
    assert finished.returncode == 0, finished.stdout[-12000:] + finished.stderr[-3000:]
