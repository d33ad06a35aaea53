"""One root error; each subclass carries a stable code and the HTTP status it maps to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a file, 1-based; ``line`` and ``col`` are 0 when unknown."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


class FirebreakError(Exception):
    """Root of every error firebreak raises on purpose. Its message is safe to show a user."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is not None:
            return f"{self.location}: {self.message}"
        return self.message


class InputError(FirebreakError):
    """Input that could not be read or does not have the expected shape."""

    code = "bad_input"
    http_status = 400


class WorkspaceError(InputError):
    """A workspace that cannot be used (missing, unreadable, or with errors that block loading)."""

    code = "workspace"


class PayloadTooLarge(InputError):
    """A request body past its cap (declared, sent, or once inflated)."""

    code = "payload_too_large"
    http_status = 413


class NotFound(FirebreakError):
    code = "not_found"
    http_status = 404


class Unauthorized(FirebreakError):
    code = "unauthorized"
    http_status = 401


class Forbidden(FirebreakError):
    code = "forbidden"
    http_status = 403


class Conflict(FirebreakError):
    """A change that the current state does not allow (for example a transition not in the table)."""

    code = "conflict"
    http_status = 409


class StoreError(FirebreakError):
    code = "store"
    http_status = 503
