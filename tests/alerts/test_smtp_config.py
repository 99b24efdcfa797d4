"""SMTP settings: from CLAUSEWATCH_SMTP_* and from a Prefect EmailServerCredentials block."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from alerts.deliver import retry_delay, smtp_config, smtp_config_from_data
from core.errors import ConfigError
from core.settings import Settings


@pytest.mark.parametrize(
    ("data", "host", "port", "security"),
    [
        (
            {"smtp_server": "mail.example.org", "smtp_type": "STARTTLS"},
            "mail.example.org",
            587,
            "starttls",
        ),
        ({"smtp_server": "gmail", "smtp_type": 465}, "smtp.gmail.com", 465, "ssl"),
        (
            {"smtp_server": "relay.example", "smtp_type": "INSECURE", "smtp_port": 2525},
            "relay.example",
            2525,
            "none",
        ),
        ({"smtp_server": "relay.example"}, "relay.example", 465, "ssl"),
    ],
)
def test_block_fields_map_to_config(
    data: dict[str, Any], host: str, port: int, security: str
) -> None:
    config = smtp_config_from_data({**data, "username": "u", "password": "pw"}, Settings())
    assert (config.host, config.port, config.security) == (host, port, security)
    assert config.password == "pw" and "pw" not in repr(config)


@pytest.mark.parametrize("data", [{}, {"smtp_server": "x", "smtp_type": "CARRIER-PIGEON"}])
def test_bad_block_is_a_config_error(data: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        smtp_config_from_data(data, Settings())


def test_settings_without_host_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="CLAUSEWATCH_SMTP_HOST"):
        smtp_config(Settings())


def test_settings_map_to_config() -> None:
    config = smtp_config(
        Settings(
            smtp_host="h",
            smtp_port=587,
            smtp_security="starttls",
            smtp_password=SecretStr("pw"),
            smtp_username="u",
        )
    )
    assert (config.host, config.port, config.security, config.password) == (
        "h",
        587,
        "starttls",
        "pw",
    )


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 5), (2, 10), (3, 20), (4, 40), (9, 360)])
def test_retry_delay_doubles_to_a_cap(attempts: int, minutes: int) -> None:
    assert retry_delay(attempts).total_seconds() == minutes * 60
