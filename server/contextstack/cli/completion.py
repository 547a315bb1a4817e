"""`contextstack completion bash|zsh|fish`: a completion script made from the parser itself, so it cannot drift."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")
INSTALL = {
    "bash": 'eval "$(contextstack completion bash)"   # in ~/.bashrc',
    "zsh": 'eval "$(contextstack completion zsh)"    # in ~/.zshrc',
    "fish": "contextstack completion fish > ~/.config/fish/completions/contextstack.fish",
}


@dataclass
class Command:
    """One command or subcommand: what may follow it."""

    path: tuple[str, ...]
    help: str = ""
    subcommands: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)
    """For each option that takes one of a few values, those values."""
    valued: list[str] = field(default_factory=list)
    """Options that take a value (of any kind)."""
    arguments: list[str] = field(default_factory=list)
    """The values its positional arguments may take, where they are a few."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], root: argparse.ArgumentParser) -> None:
    completion = commands.add_parser(
        "completion",
        help="print the shell completion script for bash, zsh or fish",
        description="Print a completion script. " + " ".join(f"{shell}: {line}." for shell, line in INSTALL.items()),
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell")
    completion.set_defaults(local=lambda args: _print(script(root, args.shell)))


def _print(text: str) -> int:
    sys.stdout.write(text)
    return 0


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = (), help: str = "") -> Iterator[Command]:
    """Every command under `parser`, depth first, the parser itself first."""
    command = Command(path, help)
    children: list[tuple[str, argparse.ArgumentParser, str]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, child in action.choices.items():
                command.subcommands[name] = helps.get(name, "")
                children.append((name, child, helps.get(name, "")))
        elif not action.option_strings:
            command.arguments.extend(str(choice) for choice in action.choices or ())
        else:
            for flag in action.option_strings:
                command.options[flag] = action.help or ""
                if action.nargs != 0:
                    command.valued.append(flag)
                if action.choices:
                    command.choices[flag] = [str(choice) for choice in action.choices]
    yield command
    for name, child, child_help in children:
        yield from walk(child, (*path, name), child_help)


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    commands = list(walk(parser))
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](commands)


def _bash(commands: list[Command]) -> str:
    cases = []
    for command in commands:
        key = " ".join(command.path)
        words = " ".join([*command.subcommands, *command.arguments])
        options = " ".join(command.options)
        value_cases = "".join(
            f'            {flag}) COMPREPLY=($(compgen -W {shlex.quote(" ".join(values))} -- "$cur")); return;;\n'
            for flag, values in command.choices.items()
        )
        other_values = "|".join(flag for flag in command.valued if flag not in command.choices)
        if other_values:
            value_cases += f'            {other_values}) COMPREPLY=($(compgen -f -- "$cur")); return;;\n'
        cases.append(
            f"        {shlex.quote(key)})\n"
            f'            case "$prev" in\n{value_cases}            esac\n'
            f"            words={shlex.quote(words)} options={shlex.quote(options)};;\n"
        )
    subcommands = " ".join(sorted({name for command in commands for name in command.subcommands}))
    return (
        "# contextstack completion for bash (and zsh through bashcompinit): made by `contextstack completion`.\n"
        "_contextstack() {\n"
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" path="" word words options\n'
        f"    local known={shlex.quote(' ' + subcommands + ' ')}\n"
        '    for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do\n'
        '        case "$known" in *" $word "*) path="${path:+$path }$word";; esac\n'
        "    done\n"
        '    case "$path" in\n'
        f"{''.join(cases)}"
        "    esac\n"
        '    case "$cur" in -*) words="$options";; esac\n'
        '    COMPREPLY=($(compgen -W "$words" -- "$cur"))\n'
        '    [ ${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))\n'
        "    return 0\n"
        "}\n"
        "complete -F _contextstack contextstack\n"
    )


def _zsh(commands: list[Command]) -> str:
    return (
        "# contextstack completion for zsh: made by `contextstack completion`.\n"
        "autoload -Uz bashcompinit && bashcompinit\n" + _bash(commands).split("\n", 1)[1]
    )


def _fish(commands: list[Command]) -> str:
    lines = ["# contextstack completion for fish: made by `contextstack completion`.", "complete -c contextstack -f"]
    for command in commands:
        condition = _fish_condition(command)
        for name, text in command.subcommands.items():
            lines.append(f"complete -c contextstack -n {shlex.quote(condition)} -a {name} -d {shlex.quote(text)}")
        if command.arguments:
            lines.append(
                f"complete -c contextstack -n {shlex.quote(condition)} -a {shlex.quote(' '.join(command.arguments))}"
            )
        for flag, text in command.options.items():
            if not flag.startswith("--"):
                continue
            values = command.choices.get(flag)
            argument = (
                f" -x -a {shlex.quote(' '.join(values))}" if values else (" -r -F" if flag in command.valued else "")
            )
            lines.append(
                f"complete -c contextstack -n {shlex.quote(condition)} -l {flag[2:]}{argument} -d {shlex.quote(text)}"
            )
    return "\n".join(lines) + "\n"


def _fish_condition(command: Command) -> str:
    """True in fish when the words typed so far are exactly `command.path` (and no deeper subcommand)."""
    if not command.path:
        return "__fish_use_subcommand"
    parts = [f"__fish_seen_subcommand_from {name}" for name in command.path]
    if command.subcommands:
        parts.append("not __fish_seen_subcommand_from " + " ".join(command.subcommands))
    return "; and ".join(parts)
