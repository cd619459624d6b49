"""Property-based: requests generated from /api/schema/ never get a 5xx, and every answer is
one the document describes (status, media type, headers, body).

Schemathesis reads the document the running server publishes and drives every operation,
once anonymously and once as the therapist, with valid and invalid input. The server is
`python -m booking serve` on a real socket with its own migrated SQLite database, so what is
tested is what runs. Rate limits are raised for it (RATE_LIMIT_MULTIPLIER, refused in
production): a 429 would end most examples before they reach the code under test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import BaseSchema, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixed_secrets import TEST_SECRETS
from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parent.parent
STAFF_EMAIL = "theo@practice.example"
STAFF_PASSWORD = "a long staff passphrase"
# About two minutes in all: the operations times two callers times this many examples.
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _environment(tmp: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMTP_"))}
    env.update(
        {
            "DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": f"sqlite://{tmp}/property.sqlite3",
            "ENVIRONMENT": "test",
            "EMAIL_BACKEND": "console",
            "LOG_LEVEL": "WARNING",
            "PORT": str(port),
            "RATE_LIMIT_MULTIPLIER": "1000",
            "STAFF_PASSWORD": STAFF_PASSWORD,
            **TEST_SECRETS,
        }
    )
    return env


def _booking(env: dict[str, str], cwd: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "booking", *args], env=env, cwd=cwd, check=True, timeout=60
    )


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise AssertionError("the server did not come up")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m booking serve` on a free port with a migrated database and a therapist."""
    tmp = tmp_path_factory.mktemp("property")
    port = free_port()
    env = _environment(tmp, port)
    _booking(env, tmp, "migrate")
    _booking(env, tmp, "create-staff", "--email", STAFF_EMAIL, "--first-name", "Theo", "--no-input")
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "booking", "serve"], env=env, cwd=tmp, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz", server)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        log.close()
    errors = (tmp / "server.log").read_text()
    assert "Traceback" not in errors, errors


@pytest.fixture(scope="module")
def staff_token(server: str) -> str:
    import json

    body = json.dumps({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}).encode()
    request = urllib.request.Request(
        f"{server}/api/auth/login/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access"]


def load_schema(server: str, *, security: bool) -> BaseSchema:
    """The document as the server publishes it.

    No query parameters beyond those declared: like DRF, the API ignores unknown ones (a
    cache-buster must not be a 400). `security`: let schemathesis write the Authorization
    header (random and missing tokens for a stranger); the therapist's runs send a real one.
    """
    schema = schemathesis.openapi.from_url(f"{server}/api/schema/")
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=security)
    return schema


@pytest.fixture(scope="module")
def stranger_schema(server: str) -> BaseSchema:
    return load_schema(server, security=True)


@pytest.fixture(scope="module")
def staff_schema(server: str) -> BaseSchema:
    return load_schema(server, security=False)


# Derandomized: `make test` runs the same examples every time (a failure is reproducible,
# never a fluke); the document's shape decides what they are.
PROFILE = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
)


def drive(schema: BaseSchema, mode: GenerationMode, headers: dict[str, str]) -> list[str]:
    """Every operation with examples of `mode`; a line for each operation that failed."""
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @PROFILE
        @given(case=operation.as_strategy(generation_mode=mode))
        def examples(case: Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            examples()
        except Unsatisfiable:
            pass  # no parameters, no body: nothing of it can be made invalid
        except Exception as exc:  # each check failure is reported, then the next operation
            failures.append(f"{operation.label}: {exc}")
    return failures


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_a_stranger_as_documented(stranger_schema, mode):
    failures = drive(stranger_schema, mode, {})
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_the_therapist_as_documented(staff_schema, staff_token, mode):
    failures = drive(staff_schema, mode, {"Authorization": f"Bearer {staff_token}"})
    assert not failures, "\n\n".join(failures)
