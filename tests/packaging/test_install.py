"""pip install -e . and pip install . into fresh virtual environments (the heavy dependencies come from this
interpreter's site-packages through a .pth file; nothing is downloaded: --no-deps --no-build-isolation)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow      # builds and installs the project into two virtual environments

ROOT = Path(__file__).resolve().parents[2]


def _venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=300)
    site = next((folder / "lib").glob("python*/site-packages"))
    (site / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder / "bin"


def _pip_install(bin_dir: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "--quiet",
                           "--no-deps", "--no-build-isolation", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "TF_CPP_MIN_LOG_LEVEL": "2"}      # no PYTHONPATH
    return subprocess.run(command, capture_output=True, text=True, cwd=str(cwd), env=env, timeout=600)


def test_editable_install_gives_the_command_running_this_checkout(tmp_path):
    bin_dir = _venv(tmp_path / "venv")
    _pip_install(bin_dir, "-e", str(ROOT))
    helped = _run([str(bin_dir / "torch2serving"), "convert", "--help"], tmp_path)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: torch2serving convert"), helped.stderr
    where = _run([str(bin_dir / "python"), "-c", "import converter; print(converter.__file__)"], tmp_path)
    assert where.stdout.strip() == str(ROOT / "converter" / "__init__.py"), where.stderr


def test_wheel_install_carries_the_package_data(tmp_path):
    source = tmp_path / "checkout"          # a copy: building writes build/ beside the sources
    shutil.copytree(ROOT / "converter", source / "converter", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    bin_dir = _venv(tmp_path / "venv")
    _pip_install(bin_dir, str(source))
    code = ("import converter, pathlib; from converter.serving.op_check import OP_LISTS_DIR; "
            "p = pathlib.Path(converter.__file__).parent; "
            "print(p.parent.name, sorted(x.name for x in OP_LISTS_DIR.iterdir()), "
            "(p / 'serving' / 'protos' / 'batching.proto').is_file())")
    checked = _run([str(bin_dir / "python"), "-c", code], tmp_path)
    assert checked.stdout.split() == ["site-packages", "['tf-2.21.txt']", "True"], checked.stderr
    for argv in (["--help"], ["serve", "--help"], ["check-serving", "--help"]):
        helped = _run([str(bin_dir / "torch2serving"), *argv], tmp_path)
        assert helped.returncode == 0 and helped.stdout.startswith("usage: torch2serving"), helped.stderr
