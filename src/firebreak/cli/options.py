"""Options shared by commands: --workspace, --db, --format."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def workspace_option(func: F) -> F:
    return click.option(
        "--workspace",
        "-w",
        "workspace",
        type=click.Path(file_okay=False),
        default=None,
        envvar="FIREBREAK_WORKSPACE",
        show_envvar=True,
        help="Workspace folder (default: the current folder).",
    )(func)


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db_url",
        default=None,
        metavar="URL",
        help="Store URL (default: the workspace's firebreak.toml, else sqlite:///<workspace>/firebreak.db).",
    )(func)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    def deco(func: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(list(choices)),
            default=default,
            show_default=True,
            help="Output format.",
        )(func)

    return deco
