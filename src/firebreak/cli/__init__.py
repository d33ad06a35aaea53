"""The ``firebreak`` command. Subcommands load lazily so ``firebreak --help`` starts fast.

Each entry names the module and the click command inside it, with the one-line help shown by
``firebreak --help``. Modules are thin: parse arguments, call the core, print.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from firebreak import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "firebreak.cli.init_cmd:init",
        "Write an example workspace covering the four scenarios.",
    ),
    "lint": ("firebreak.cli.lint_cmd:lint", "Check runbooks, org and escalation chains."),
    "oncall": ("firebreak.cli.oncall_cmd:oncall", "Who is on call now, and the next handoffs."),
    "signals": ("firebreak.cli.signals_cmd:signals", "Compute signals from telemetry."),
    "detect": (
        "firebreak.cli.detect_cmd:detect",
        "Score a timestamp,value series and flag alarms.",
    ),
    "backtest": ("firebreak.cli.backtest_cmd:backtest", "Replay telemetry through the triggers."),
    "serve": ("firebreak.cli.serve_cmd:serve", "Run intake, API, UI and the ticks in one process."),
    "worker": ("firebreak.cli.serve_cmd:worker", "Run the detection and escalation ticks alone."),
    "drill": ("firebreak.cli.drill_cmd:drill", "Rehearse scenarios through the real pipeline."),
    "report": (
        "firebreak.cli.report_cmd:report",
        "MTTA, MTTR, MTTD, false alarm and drill pass rates.",
    ),
    "handoff": (
        "firebreak.cli.review_cmd:handoff",
        "The shift handoff: incidents, follow-ups, on call next.",
    ),
    "review": (
        "firebreak.cli.review_cmd:review",
        "The weekly review against the baseline, with decay alarms.",
    ),
    "baseline": (
        "firebreak.cli.review_cmd:baseline",
        "Capture a two-week baseline before changing anything.",
    ),
    "db": ("firebreak.cli.db_cmd:db", "Manage the store (db upgrade)."),
    "token": ("firebreak.cli.auth_cmd:token", "Create API tokens."),
    "integration": ("firebreak.cli.auth_cmd:integration", "Create intake integration keys."),
    "incident": ("firebreak.cli.incident_cmd:incident", "Change an incident (fault start)."),
    "route": ("firebreak.cli.route_cmd:route", "Test where an alert would go (route test)."),
    "import": (
        "firebreak.cli.import_cmd:import_",
        "Import schedules, policies and alert rules from other tools.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (target, _) in COMMANDS.items() if _available(target)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, _, attr = entry[0].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(target: str) -> bool:
    import importlib.util

    module_name = target.partition(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="firebreak")
def cli() -> None:
    """firebreak: incident response for AI services, as code.

    \b
    Start with:
      firebreak init demo && firebreak lint demo
    """


def main(argv: list[str] | None = None) -> Any:
    """Entry point: known errors print a message and exit non-zero, never a traceback."""
    from firebreak.errors import FirebreakError

    try:
        return cli.main(args=argv, prog_name="firebreak", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code != 1 else 2)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except FirebreakError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
