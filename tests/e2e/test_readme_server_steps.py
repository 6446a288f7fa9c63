"""The README's server section, run as written: its shell block (org, token, serve, curl POST and GET) and its
`okta` SDK script, with only the port and the data directory changed. If the README drifts from the product,
a newcomer's first steps fail; so does this test."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def _blocks() -> tuple[str, str]:
    """The section's first ```sh block and its first ```python block."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## The server: the Okta System Log API", 1)[1].split("\n## ", 1)[0]
    sh = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    py = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return sh, py


def test_the_readme_server_steps_work_as_written(tmp_path):
    sh, py = _blocks()
    port = str(free_port())
    data = tmp_path / "data"
    script = sh.replace("8080", port).replace("./data", str(data))
    # After the README's lines: hand the token and the server's pid back, so the test can go on and stop it.
    script = "set -e\n" + script + '\necho\necho "TOKEN=$TOKEN"\necho "PID=$!"\n'
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    # Output to files, not pipes: the server the script leaves running keeps its stdout open.
    out_file, err_file = tmp_path / "steps.out", tmp_path / "steps.err"
    with out_file.open("w") as fo, err_file.open("w") as fe:
        steps = subprocess.Popen(["bash", "-c", script], cwd=ROOT, stdout=fo, stderr=fe, env=env,
                                 start_new_session=True)  # its own process group: the server too, for cleanup
        try:
            steps.wait(180)
        except subprocess.TimeoutExpired:
            os.killpg(steps.pid, signal.SIGKILL)
            raise
    done = steps
    out = out_file.read_bytes().decode()  # bytes as sent: HTTP's CRLFs kept
    pid = re.search(r"^PID=(\d+)$", out, re.M)
    try:
        assert done.returncode == 0, err_file.read_text() + out
        # curl -s adds no newline: the POST's answer runs straight into the GET's status line.
        posted, end = json.JSONDecoder().raw_decode(out, out.index('{"accepted"'))
        assert posted == {"accepted": 10, "duplicates": 16, "rejected": []}  # what the README says it answers
        head, _, body = out[end:].partition("\r\n\r\n")
        assert head.startswith("HTTP/1.1 200")
        links = re.findall(r'^link: <[^>]+>; rel="(\w+)"', head, re.M | re.I)
        assert links == ["self", "next"]
        page = json.loads(body.split("\nTOKEN=", 1)[0])
        sample = ROOT.parent / "shared/data/okta-samples/elastic-integrations-okta-system.ndjson"
        first: dict[str, dict] = {}  # the sample reuses uuids on purpose: the first one posted is the one kept
        for e in map(json.loads, sample.read_text().splitlines()):
            first.setdefault(e["uuid"], e)
        starts = sorted((e for e in first.values() if e["eventType"] == "user.session.start"),
                        key=lambda e: e["published"])
        assert page == starts[:2] and page  # JSON-equal to what was posted, oldest first

        token = re.search(r"^TOKEN=(\S+)$", out, re.M).group(1)
        sdk = subprocess.run([sys.executable, "-c", py.replace("8080", port), token], capture_output=True,
                             text=True, timeout=120)
        assert sdk.returncode == 0, sdk.stderr
        lines = sdk.stdout.splitlines()
        # Every stored event once, through the SDK's own paging (limit=5), oldest first.
        assert len(lines) == len(set(lines)) == 10 + 1 + 1  # the sample's 10, org create, token create
        stamps = [ln.split()[0] for ln in lines]
        assert stamps == sorted(stamps)
    finally:
        if pid:
            os.kill(int(pid.group(1)), signal.SIGINT)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(steps.pid, signal.SIGKILL)
