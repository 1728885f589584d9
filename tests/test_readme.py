"""The README's walkthrough ("Try it with curl") runs as written: its shell blocks, in order, in
one bash (with -e, -u and pipefail), against the suite's server.

Two things differ from a reader's run, and only these: `http://127.0.0.1:8000` becomes the test
server's address, and the scratch folder `try` a temporary one; the scripts it calls
(scripts/read_code.py, scripts/end_stay.py) are pointed at the test database and Redis db by
IHOME_MYSQL_URL and IHOME_REDIS_URL, as a reader's would be by their own settings.
"""
import json
import os
import pathlib
import re
import subprocess

from tests.conftest import ROOT, TEST_DB, TEST_REDIS_DB

README = ROOT / "README.md"
SECTION = "## Try it with curl"


def walkthrough():
    """The shell blocks of the README's walkthrough, joined."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n{SECTION}\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"^```sh\n(.*?)^```$", section, flags=re.S | re.M))


def test_the_walkthrough_runs_as_written(server, tmp_path):
    script = walkthrough()
    assert script.count("http://127.0.0.1:8000") == 1 and script.count("mkdir -p try && cd try") == 1
    script = script.replace("http://127.0.0.1:8000", server.url)
    script = script.replace("mkdir -p try && cd try", f"mkdir -p '{tmp_path}' && cd '{tmp_path}'")
    finished = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True,
                              text=True, timeout=300,
                              env={**os.environ, "IHOME_MYSQL_URL": f"mysql://root:@127.0.0.1:3306/{TEST_DB}",
                                   "IHOME_REDIS_URL": f"redis://127.0.0.1:6379/{TEST_REDIS_DB}"})
    (pathlib.Path(tmp_path) / "output.txt").write_text(finished.stdout + finished.stderr)
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]

    answers = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith(("{", "["))]
    envelopes = [answer for answer in answers if isinstance(answer, dict) and "errcode" in answer]
    refused = [(answer["errcode"], answer["errmsg"]) for answer in envelopes if answer["errcode"] != "0"]
    # Exactly the refusals the README shows: anonymous at first, the wrong captcha, the early review.
    assert refused == [("4102", "false"), ("4004", "图片验证码错误"), ("4004", "入住结束后才能评价")]
    assert {"errcode": "0", "errmsg": "注册成功"} in envelopes
    assert answers[-1] == [{"user_name": "匿名用户", "content": "干净整洁，房东很热情", "ctime": answers[-1][0]["ctime"],
                            "stars": 5, "reply": "谢谢，欢迎再来", "reply_ctime": answers[-1][0]["reply_ctime"]}]
    found, = [answer for answer in answers if isinstance(answer, dict) and answer.get("title") == "后海边的四合院"]
    assert found["price"] == 28850
