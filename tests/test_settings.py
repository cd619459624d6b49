"""Settings: an operator with a typo gets one line naming the variable, never a traceback."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from booking.settings import DEV_SECRETS_FILE, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("FIELD_ENCRYPTION_KEYS", "not-a-fernet-key"),
        ("EMAIL_BACKEND", "carrier-pigeon"),
        ("SMTP_TLS", "maybe"),
        ("PRACTICE_TIMEZONE", "Mars/Olympus_Mons"),
        ("DATABASE_URL", "mysql://nope"),
        ("ENVIRONMENT", "staging-ish"),
        ("JWT_SECRET", "short"),
        ("TRUSTED_PROXIES", "10.0.0.1, not-an-address"),
        ("TRUSTED_PROXIES", "10.0.0.0/33"),
        ("RATE_LIMIT_MULTIPLIER", "0"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path, variable, value):
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATA_DIR": str(tmp_path), variable: value}, env_file=None)
    assert variable in str(caught.value)
    assert "\n" not in str(caught.value)


def test_production_without_secrets_refuses_to_start(tmp_path):
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATA_DIR": str(tmp_path), "ENVIRONMENT": "production"}, env_file=None)
    message = str(caught.value)
    for name in ("JWT_SECRET", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
        assert name in message
    assert not (tmp_path / DEV_SECRETS_FILE).exists()


def test_production_with_secrets_starts(tmp_path):
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "ENVIRONMENT": "production",
            "JWT_SECRET": "j" * 40,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "BLIND_INDEX_KEY": "b" * 40,
        },
        env_file=None,
    )
    assert settings.environment == "production"


def test_development_secrets_are_generated_once_private_and_reused(tmp_path):
    first = load_settings({"DATA_DIR": str(tmp_path)}, env_file=None)
    path = tmp_path / DEV_SECRETS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = load_settings({"DATA_DIR": str(tmp_path)}, env_file=None)
    assert first.jwt_secret == second.jwt_secret
    assert first.fernet_keys == second.fernet_keys
    assert first.blind_index_key == second.blind_index_key


def test_defaults_match_the_design(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path)}, env_file=None)
    assert settings.database_url == "sqlite://data/booking.sqlite3"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.email_backend == "console"
    assert settings.telegram_bot_token is None
    assert settings.jitsi_base_url == "https://meet.jit.si"
    assert settings.practice_timezone == "UTC"


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=9001\nPRACTICE_TIMEZONE=Europe/Berlin\n")
    settings = load_settings({"DATA_DIR": str(tmp_path), "PORT": "9002"}, env_file=env_file)
    assert settings.port == 9002
    assert settings.practice_timezone == "Europe/Berlin"


def test_secrets_do_not_show_in_repr(tmp_path):
    settings = load_settings({"DATA_DIR": str(tmp_path)}, env_file=None)
    assert settings.jwt_secret.get_secret_value() not in repr(settings)


def test_the_command_line_exits_with_one_line_and_no_traceback(tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path), "PORT": "abc"}
    done = subprocess.run(
        [sys.executable, "-m", "booking", "migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.strip().count("\n") == 0
    assert "PORT" in done.stderr
    assert "Traceback" not in done.stderr


def test_trusted_proxies_are_addresses_and_networks(tmp_path):
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": " 10.0.0.1, 192.168.0.0/16,fd00::/8 "},
        env_file=None,
    )
    assert [str(n) for n in settings.trusted_networks] == [
        "10.0.0.1/32",
        "192.168.0.0/16",
        "fd00::/8",
    ]
    assert load_settings({"DATA_DIR": str(tmp_path)}, env_file=None).trusted_networks == ()


def test_production_keeps_the_documented_rate_limits(tmp_path):
    environ = {
        "DATA_DIR": str(tmp_path),
        "ENVIRONMENT": "production",
        "JWT_SECRET": "j" * 40,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": "b" * 40,
        "RATE_LIMIT_MULTIPLIER": "100",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    assert "RATE_LIMIT_MULTIPLIER" in str(caught.value)
