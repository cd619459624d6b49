"""One typed settings object, read from the environment (and `.env`), validated at start."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEV_SECRETS_FILE = "dev-secrets.json"
SECRET_NAMES = ("JWT_SECRET", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")


class SettingsError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""


class Settings(BaseModel):
    """Every variable of the configuration table, by its environment name."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite://data/booking.sqlite3", alias="DATABASE_URL")
    data_dir: Path = Field(Path("./data"), alias="DATA_DIR")
    host: str = Field("127.0.0.1", alias="HOST")
    port: int = Field(8000, alias="PORT", ge=0, le=65535)
    public_base_url: str = Field("", alias="PUBLIC_BASE_URL")
    environment: Literal["development", "production", "test"] = Field(
        "development", alias="ENVIRONMENT"
    )
    jwt_secret: SecretStr = Field(alias="JWT_SECRET")
    field_encryption_keys: SecretStr = Field(alias="FIELD_ENCRYPTION_KEYS")
    blind_index_key: SecretStr = Field(alias="BLIND_INDEX_KEY")
    email_backend: Literal["console", "smtp"] = Field("console", alias="EMAIL_BACKEND")
    smtp_host: str = Field("localhost", alias="SMTP_HOST")
    smtp_port: int | None = Field(None, alias="SMTP_PORT", ge=1, le=65535)
    smtp_username: str = Field("", alias="SMTP_USERNAME")
    smtp_password: SecretStr = Field(SecretStr(""), alias="SMTP_PASSWORD")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field("none", alias="SMTP_TLS")
    email_from: str = Field("no-reply@localhost", alias="EMAIL_FROM")
    practice_name: str = Field("Therapy practice", alias="PRACTICE_NAME")
    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_URL")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    jitsi_base_url: str = Field("https://meet.jit.si", alias="JITSI_BASE_URL")
    jitsi_app_id: str | None = Field(None, alias="JITSI_APP_ID")
    jitsi_app_secret: SecretStr | None = Field(None, alias="JITSI_APP_SECRET")
    practice_timezone: str = Field("UTC", alias="PRACTICE_TIMEZONE")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", alias="LOG_LEVEL")
    dispatch_interval_seconds: float = Field(5.0, alias="DISPATCH_INTERVAL_SECONDS", gt=0)
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks).
    trusted_proxies: str = Field("", alias="TRUSTED_PROXIES")
    # Every rate limit times this: for tests and load trials only (refused in production).
    rate_limit_multiplier: int = Field(1, alias="RATE_LIMIT_MULTIPLIER", ge=1)
    # How long times staff propose stay on offer before they lapse (the client is told).
    proposal_expiry_hours: float = Field(48.0, alias="PROPOSAL_EXPIRY_HOURS", gt=0, le=24 * 30)
    waitlist_hold_minutes: int = Field(30, alias="WAITLIST_HOLD_MINUTES", ge=1, le=24 * 60)
    # Personal fields of requests rejected, cancelled or completed more than N days ago are
    # erased by housekeeping. Unset: kept.
    data_retention_days: int | None = Field(None, alias="DATA_RETENTION_DAYS", ge=1)
    # How long the audit trail itself is kept (six years by default).
    audit_retention_days: int = Field(6 * 365, alias="AUDIT_RETENTION_DAYS", ge=1)
    # Staff may not sign in (nor act in the bot) until they have enrolled in two-step sign-in.
    staff_require_2fa: bool = Field(False, alias="STAFF_REQUIRE_2FA")
    # A safety line shown at /start, on the booking summary and in the request e-mail.
    crisis_message: str | None = Field(None, alias="CRISIS_MESSAGE", max_length=500)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise ValueError("must start with sqlite:// or postgres://")
        return value

    @field_validator("practice_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in _comma_separated(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"must be comma-separated IP addresses or CIDR networks ({item!r} is not)"
                ) from None
        return value

    @field_validator("field_encryption_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        keys = [k.strip() for k in value.get_secret_value().split(",") if k.strip()]
        if not keys:
            raise ValueError("needs at least one Fernet key")
        for key in keys:
            try:
                Fernet(key)
            except ValueError as exc:
                raise ValueError(
                    "is not a comma-separated list of Fernet keys (32 url-safe base64 bytes)"
                ) from exc
        return value

    @field_validator("jwt_secret", "blind_index_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters of random data")
        return value

    @field_validator("public_base_url", "jitsi_base_url", "telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
        if bool(self.jitsi_app_id) != bool(self.jitsi_app_secret):
            raise ValueError("JITSI_APP_ID and JITSI_APP_SECRET go together")
        if self.environment == "production" and self.rate_limit_multiplier != 1:
            raise ValueError("RATE_LIMIT_MULTIPLIER is for tests only: production keeps 1")
        return self

    # Derived values -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Absolute base for links in e-mails and the API index."""
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.practice_timezone)

    @property
    def trusted_networks(self) -> tuple[IPNetwork, ...]:
        return tuple(
            ipaddress.ip_network(item, strict=False)
            for item in _comma_separated(self.trusted_proxies)
        )

    @property
    def fernet_keys(self) -> list[str]:
        raw = self.field_encryption_keys.get_secret_value()
        return [k.strip() for k in raw.split(",") if k.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgres"

    @property
    def smtp_port_effective(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return {"none": 25, "starttls": 587, "ssl": 465}[self.smtp_tls]


def _comma_separated(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _describe(error: ValidationError) -> str:
    """One line naming each offending variable."""
    parts = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required in production"
        parts.append(f"{name} {message}".strip())
    return "; ".join(parts)


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets generated once per development machine, kept in DATA_DIR with mode 0600."""
    path = data_dir / DEV_SECRETS_FILE
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise SettingsError(f"DATA_DIR: cannot read {path}: {exc}") from exc
        if all(stored.get(name) for name in SECRET_NAMES):
            return stored
    generated = {
        "JWT_SECRET": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(48),
    }
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # secrets live here
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(generated, handle)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise SettingsError(f"DATA_DIR: cannot write {path}: {exc}") from exc
    return generated


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
) -> Settings:
    """Read, default and validate the configuration; raise SettingsError naming the variable."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    # An empty variable means "not set", as operators expect from `FOO=` lines.
    values = {k: v for k, v in values.items() if v != ""}

    environment = values.get("ENVIRONMENT", "development")
    if environment != "production" and not all(values.get(n) for n in SECRET_NAMES):
        data_dir = Path(values.get("DATA_DIR", "./data"))
        for name, secret in _dev_secrets(data_dir).items():
            values.setdefault(name, secret)
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None
