"""A real SMTP server on loopback (aiosmtpd) for tests and the demo.

``MailServer`` records every message it accepts and can misbehave on purpose
(``mode="drop-after-data"`` reads a whole message, then hangs up without answering, as a
crashing relay would). With ``eml_dir`` it also writes each message to a folder as
``.eml`` files, which is how the demo shows its mail without a real mailbox::

    python -m clausewatch.demo.mailsink --port 8025 --eml-dir ./outbox
"""

from __future__ import annotations

import argparse
import contextlib
import email
import itertools
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (aiosmtpd's Controller cannot bind port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


Mode = Literal["accept", "drop-after-data", "reject"]


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server got it: envelope and the raw bytes, parsed on demand."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        """The message parsed with the modern policy (headers decoded)."""
        parsed = email.message_from_bytes(self.data, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    server: MailServer
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        received = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(str(r) for r in envelope.rcpt_tos),
            data=bytes(envelope.original_content or envelope.content),
        )
        mode = self.server.mode
        with self.server.lock:
            if mode == "drop-after-data":
                self.server.dropped.append(received)
            elif mode == "accept":
                self.server.received.append(received)
                if self.server.eml_dir is not None:
                    self._write_eml(received)
        if mode == "drop-after-data":
            # The message is in; the answer never comes. The client cannot know whether
            # it was delivered, which is exactly the case at-least-once must survive.
            smtp.transport.close()
            return "250 OK"
        if mode == "reject":
            return "451 4.3.0 try again later"
        return "250 OK"

    def _write_eml(self, received: ReceivedMail) -> None:
        assert self.server.eml_dir is not None
        self.server.eml_dir.mkdir(parents=True, exist_ok=True)
        path = self.server.eml_dir / f"{len(self.server.received):04d}.eml"
        path.write_bytes(received.data)


class MailServer:
    """aiosmtpd on 127.0.0.1 in a background thread; a context manager."""

    def __init__(
        self,
        *,
        port: int | None = None,
        mode: Mode = "accept",
        eml_dir: Path | None = None,
        login: tuple[str, str] | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.mode: Mode = mode
        self.eml_dir = eml_dir
        self.received: list[ReceivedMail] = []
        self.dropped: list[ReceivedMail] = []
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self._login = login
        kwargs: dict[str, Any] = {}
        if login is not None:
            kwargs["authenticator"] = self._authenticate
            # Plain AUTH over an unencrypted loopback socket is fine for a test server.
            kwargs["auth_require_tls"] = starttls is not None
        if starttls is not None:
            kwargs["tls_context"] = starttls
            kwargs["require_starttls"] = True
        if implicit_tls is not None:
            kwargs["ssl_context"] = implicit_tls
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._running = False

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword) or self._login is None:
            return AuthResult(success=False, handled=False)
        user, password = self._login
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok, handled=False)

    def start(self) -> MailServer:
        """Start listening (returns when the server answers)."""
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop listening; the port is closed when this returns."""
        if self._running:
            self._controller.stop()
            self._running = False

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Run a loopback SMTP server that writes every message into a folder as ``.eml``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--eml-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    server = MailServer(port=args.port, eml_dir=args.eml_dir)
    with server:
        print(f"smtp://{server.host}:{server.port} → {args.eml_dir} (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
