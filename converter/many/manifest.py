"""The convert-many manifest: a YAML or JSON file of conversions -> validated entries.

    defaults:                       # optional: fields every entry starts from
      serving_root: /srv/serving_models
      model_path: .
    models:                         # one mapping per conversion, in publishing order
      - name: resnet
        checkpoint: ckpts/resnet.pt
        model-class: nets:ResNet
        input: [input_img:float32:1x3x224x224]
        label: {stable: 1}

A bare list is the same as `{models: [...]}`. A field is a `torch2serving convert` flag without its dashes
(`model-class` or `model_class`); its value is what the flag takes, written as YAML/JSON: switches true or
false, repeatable flags as lists, `model_kwargs` a mapping, `label` and `input_range` mappings. An entry's
field replaces the default's. Relative paths in the manifest resolve against the manifest's folder; a field
left out has the convert flag's default (relative to the working directory, as for convert). Entries run
side by side, so each one's `work_dir` is a subfolder `<position>-<name>` of the one given.

Every entry goes through convert's own parser and `config_from_args` here, before any worker starts, so a
bad field is one BadInputError naming the manifest, the entry and the field.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from converter.config import ConversionConfig
from converter.errors import BadInputError, first_line

TOP_LEVEL_KEYS = ("defaults", "models")
PATH_FIELDS = ("checkpoint", "model_path", "serving_root", "work_dir", "labels")
RUN_FLAGS = {"json", "quiet", "verbose", "debug", "help"}    # flags of the convert-many run, not of an entry


@dataclass(frozen=True)
class ManifestEntry:
    index: int                    # 1-based position in the manifest's list
    name: str                     # the model name (--name)
    argv: tuple[str, ...]         # the convert flags, paths absolute: what a worker parses again
    config: ConversionConfig

    @property
    def label(self) -> str:
        return f"entry {self.index} ({self.name})"

    @property
    def model_dir(self) -> Path:
        """The folder its versions go to: entries with the same one publish in manifest order."""
        return (Path(self.config.serving_root) / self.name).resolve()


def load_manifest(path: str | Path, serving_root: str | Path | None = None) -> list[ManifestEntry]:
    """Every entry of the manifest, validated. `serving_root` (the command line's --serving-root) replaces
    every entry's."""
    path = Path(path)
    defaults, models = _split(read_manifest(path), path)
    from converter.api.options import option_actions, strict_parser

    actions = option_actions(strict_parser(), excluded=RUN_FLAGS)
    default_fields = _fields(defaults, f"manifest {path}: defaults", actions)
    entries = []
    for position, raw in enumerate(models, 1):
        where = f"manifest {path}: entry {position}"
        if not isinstance(raw, dict):
            raise BadInputError(f"{where}: expected a mapping of fields (name: ..., checkpoint: ...), "
                                f"not a {type(raw).__name__}")
        name = raw.get("name", default_fields.get("name"))
        if isinstance(name, (str, int)) and str(name):
            where += f" ({name})"
        fields = {**default_fields, **_fields(raw, where, actions)}
        if serving_root is not None:
            fields["serving_root"] = str(Path(serving_root).resolve())
        entries.append(_entry(position, fields, where, path.resolve().parent, actions))
    _refuse_duplicate_versions(entries, path)
    return entries


def _refuse_duplicate_versions(entries: list[ManifestEntry], path: Path) -> None:
    """Two entries publishing the same explicit version of one model: the second would fail at the end of
    its conversion ("version exists"), unless it has force."""
    claimed: dict[tuple[Path, int], ManifestEntry] = {}
    for entry in entries:
        if entry.config.version is None:
            continue
        earlier = claimed.setdefault((entry.model_dir, entry.config.version), entry)
        if earlier is not entry and not entry.config.force:
            raise BadInputError(f"manifest {path}: {entry.label}: field version: {entry.config.version} is also "
                                f"{earlier.label}'s; give another version, leave it out (the next one), or "
                                "force: true to replace it")


def read_manifest(path: Path):
    """The manifest's data: JSON for a .json file, else YAML (PyYAML, optional; JSON is valid YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"manifest {path}: cannot read it ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise BadInputError(f"manifest {path}: not a text file (expected YAML or JSON)") from None
    if path.suffix.lower() == ".json":
        return _json(text, path)
    try:
        import yaml
    except ImportError:
        if text.lstrip()[:1] in ("{", "["):
            return _json(text, path)
        raise BadInputError(f"manifest {path}: reading YAML needs PyYAML (pip install 'torch2serving[yaml]'); "
                            "or write the manifest as JSON") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or first_line(error)
        raise BadInputError(f"manifest {path}: not valid YAML{line} ({problem})") from None


def _json(text: str, path: Path):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInputError(f"manifest {path}: not valid JSON at line {error.lineno}, column {error.colno} "
                            f"({error.msg})") from None


def _split(data, path: Path) -> tuple[dict, list]:
    if isinstance(data, list):
        defaults, models = {}, data
    elif isinstance(data, dict):
        unknown = [key for key in data if key not in TOP_LEVEL_KEYS]
        if unknown:
            raise BadInputError(f"manifest {path}: unknown top-level key {unknown[0]!r}; a manifest has "
                                "'defaults' (optional) and 'models'")
        defaults, models = data.get("defaults") or {}, data.get("models")
    else:
        raise BadInputError(f"manifest {path}: expected a list of models or a mapping with 'models', "
                            f"not {type(data).__name__ if data is not None else 'an empty file'}")
    if not isinstance(defaults, dict):
        raise BadInputError(f"manifest {path}: 'defaults' must be a mapping of fields, not a {type(defaults).__name__}")
    if not isinstance(models, list) or not models:
        raise BadInputError(f"manifest {path}: 'models' must be a non-empty list of entries")
    return defaults, models


def _fields(raw: dict, where: str, actions: dict) -> dict:
    """The mapping's fields under their Python names (`model-class` -> `model_class`), each one a known flag."""
    fields: dict = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name in RUN_FLAGS:
            raise BadInputError(f"{where}: field {key!r} is a flag of the whole convert-many run "
                                f"(torch2serving convert-many --{name}), not of an entry")
        if name not in actions:
            close = difflib.get_close_matches(name, list(actions), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "; the fields are torch2serving convert's flags"
            raise BadInputError(f"{where}: unknown field {key!r}{hint}")
        if name in fields:
            raise BadInputError(f"{where}: field {name!r} is given twice (as '-' and '_' spellings)")
        fields[name] = value
    return fields


def _entry(position: int, fields: dict, where: str, base: Path, actions: dict) -> ManifestEntry:
    from converter.api.options import flag_argv, strict_parser
    from converter.cli.convert import config_from_args

    missing = [name for name, action in actions.items() if action.required and fields.get(name) in (None, "")]
    if missing:
        raise BadInputError(f"{where}: missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    argv: list[str] = []
    for name, value in fields.items():
        if name in PATH_FIELDS and isinstance(value, str) and value:
            value = str(base / Path(value).expanduser())      # an absolute path stays as it is
            if name == "work_dir":     # entries run side by side: each keeps its intermediates apart
                value = str(Path(value) / f"{position}-{fields.get('name')}")
        try:
            argv += flag_argv(name, value, actions[name])
        except BadInputError as error:
            raise BadInputError(f"{where}: field {error}") from None
    try:
        config = config_from_args(strict_parser(f"{where}: ").parse_args(argv))
    except BadInputError as error:
        message = str(error)
        raise BadInputError(message if message.startswith(where) else f"{where}: {message}") from None
    return ManifestEntry(position, config.name, tuple(argv), config)
