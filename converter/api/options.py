"""The API's keyword options -> the one frozen ConversionConfig, through the convert command's own parser.

Each option is a convert flag spelled as a Python name (`--no-layout-pass` -> `no_layout_pass`,
`--format` -> `format`), given as a Python value. The values are written out as the flag's text and parsed
by the same argparse parser and `config_from_args` the command line uses, so defaults, validation and
error messages cannot drift apart between the two.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Mapping

from converter.errors import BadInputError

# convert() takes these as its own parameters (or they only steer the command line's output)
NOT_OPTIONS = {"checkpoint", "input", "output", "dynamic_axis", "name", "signature", "serving_root",
               "json", "quiet", "verbose", "debug", "help"}
PAIR_SEPARATOR = {"label": "="}          # label={"stable": 3} -> --label stable=3; others NAME:VALUE


class UnknownOptionError(BadInputError, TypeError):
    """convert() got a keyword that is not an option: a TypeError as Python raises for unknown keywords,
    and a BadInputError (exit code 2) like every other bad input."""


def strict_parser(prefix: str = "convert(): ") -> argparse.ArgumentParser:
    """The convert command's parser, raising BadInputError(prefix + argparse's message) instead of exiting."""
    from converter.cli.convert import build_parser

    parser = build_parser(prog="converter.convert")

    def refuse(message: str):
        raise BadInputError(f"{prefix}{message}")
    parser.error = refuse          # argparse would print usage and exit the caller's process
    return parser


def option_actions(parser: argparse.ArgumentParser | None = None,
                   excluded: set[str] = NOT_OPTIONS) -> dict[str, argparse.Action]:
    """{option name: its argparse action} for every convert flag the API accepts as an option (`excluded`:
    the names left out; convert-many's manifest leaves out only the output flags)."""
    actions = {}
    for action in (parser or strict_parser())._actions:
        long_flags = [flag for flag in action.option_strings if flag.startswith("--")]
        if long_flags:
            name = long_flags[0][2:].replace("-", "_")
            if name not in excluded:
                actions[name] = action
    return actions


def _texts(name: str, value, action: argparse.Action) -> list[str]:
    """One option's value as the flag texts the command line would get (one per repeated flag)."""
    if name == "model_kwargs" and not isinstance(value, str):
        try:
            return [json.dumps(value)]
        except TypeError as error:
            raise BadInputError(f"model_kwargs must be JSON values, as --model-kwargs takes ({error})") from None
    if isinstance(value, Mapping):
        separator = PAIR_SEPARATOR.get(name, ":")
        return [f"{key}{separator}{_joined(item, ':')}" for key, item in value.items()]
    if isinstance(value, (list, tuple)):
        if isinstance(action, argparse._AppendAction):
            return [_joined(item, ":") for item in value]
        return [_joined(value, ",")]
    return [str(value)]


def _joined(value, separator: str) -> str:
    return separator.join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def option_argv(options: dict, actions: dict[str, argparse.Action]) -> list[str]:
    """Command-line arguments for `options`; UnknownOptionError names the valid ones."""
    unknown = sorted(set(options) - set(actions))
    if unknown:
        raise UnknownOptionError(f"convert() got unknown option(s) {', '.join(unknown)}; valid options: "
                                 f"{', '.join(sorted(actions))} (the convert flags, '-' spelled '_')")
    argv: list[str] = []
    for name, value in options.items():
        try:
            argv += flag_argv(name, value, actions[name])
        except BadInputError as error:
            raise BadInputError(f"convert(): option {error}") from None
    return argv


def flag_argv(name: str, value, action: argparse.Action) -> list[str]:
    """One option's Python value as command-line arguments ([] for None and False); a value the flag cannot
    take is a BadInputError whose message starts with the option's name."""
    flag = next(text for text in action.option_strings if text.startswith("--"))
    if value is None or value is False:
        return []
    if value is True:
        if action.nargs == 0 or action.const is not None:     # a switch (or --batching's bare form)
            return [flag]
        raise BadInputError(f"{name}=True: give a value ({action.help})")
    if action.nargs == 0:
        raise BadInputError(f"{name} is a switch: pass True or False, not {value!r}")
    return [argument for text in _texts(name, value, action) for argument in (flag, text)]


def build_config(flags: list[str], options: dict):
    """The ConversionConfig the command line builds from `flags` followed by the options' flags (a repeated
    flag given later wins, as on the command line: an input_range option overrides the examples' range)."""
    from converter.cli.convert import config_from_args

    parser = strict_parser()
    return config_from_args(parser.parse_args([*flags, *option_argv(options, option_actions(parser))]))


def dynamic_axis_texts(dynamic_axes) -> list[str]:
    """torch.onnx's forms: {name: {axis: symbol}} or {name: [axis, ...]} -> NAME:AXIS[:SYMBOL] texts."""
    if not dynamic_axes:
        return []
    if not isinstance(dynamic_axes, Mapping):
        raise BadInputError("convert(): dynamic_axes must be a dict such as {'input_ids': {1: 'sequence'}} "
                            "or {'input_ids': [1]}")
    texts = []
    for tensor, axes in dynamic_axes.items():
        pairs = axes.items() if isinstance(axes, Mapping) else ((axis, None) for axis in axes)
        texts += [f"{tensor}:{axis}" + (f":{symbol}" if symbol else "") for axis, symbol in pairs]
    return texts
