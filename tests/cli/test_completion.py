"""`contextstack completion bash|zsh|fish`: scripts made from the parser, which complete what the parser accepts."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from tests.cli.conftest import Cli


def bash_completes(script: str, *words: str) -> list[str]:
    """What bash offers after `contextstack WORDS…` (the last word is the one being completed)."""
    line = " ".join(shlex.quote(word) for word in ["contextstack", *words])
    program = (
        f"{script}\nCOMP_WORDS=({line}); COMP_CWORD={len(words)}\n_contextstack; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (("st",), ["start", "status", "step"]),
        (("step", ""), ["add", "edit", "move", "rm"]),
        (("kb", "s"), ["search", "show", "supersede"]),
        (("step", "add", "--a"), ["--at", "--after"]),
        (("kb", "list", "--kind", "c"), ["constraint", "convention"]),
        (("completion", ""), ["bash", "zsh", "fish"]),
    ],
)
def test_bash_completes_commands_options_and_choices(cli: Cli, words: tuple[str, ...], offered: list[str]) -> None:
    assert sorted(bash_completes(cli.ok("completion", "bash"), *words)) == sorted(offered)


def test_zsh_uses_the_bash_script_through_bashcompinit(cli: Cli) -> None:
    script = cli.ok("completion", "zsh")
    assert "bashcompinit" in script
    assert "complete -F _contextstack contextstack" in script
    if shutil.which("zsh"):
        subprocess.run(["zsh", "-n", "-c", script], check=True, timeout=10)


def test_fish_completes_every_command_with_its_help(cli: Cli) -> None:
    script = cli.ok("completion", "fish")
    assert "complete -c contextstack -n __fish_use_subcommand -a start -d 'start a step'" in script
    assert "-n '__fish_seen_subcommand_from kb; and not __fish_seen_subcommand_from list search" in script
    assert "-l kind -x -a 'decision constraint architecture convention reference note'" in script
    if shutil.which("fish"):
        subprocess.run(["fish", "--no-execute", "-c", script], check=True, timeout=10)


def test_an_unknown_shell_is_bad_usage(cli: Cli) -> None:
    assert cli("completion", "tcsh").status == 2
