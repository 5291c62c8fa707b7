"""forkproof: prove that blockchain protocol upgrades are safe before they ship.

    import forkproof
    report = forkproof.check(forkproof.load("models/libra_framework_upgrade.fork"),
                             params={"N": 2, "RULE": "Code"})
    print(report.exit_code)  # 1

The public API is what `__all__` lists (docs/api.md); everything else is internal and may
change.  The layers behind it: docs/architecture.md.  Names are imported on first use, so
that `import forkproof.spec.parser` (or the command line) does not load the engines.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forkproof.about import VERSION as __version__
    from forkproof.api import (DiffReport, Report, Result, ThresholdsReport, check, diff, load, load_text,
                               read_source, thresholds)
    from forkproof.semantics.verdict import ExitCode
    from forkproof.spec.errors import Diagnostic, ModelError

_HOME = {
    "__version__": ("forkproof.about", "VERSION"),
    "load": ("forkproof.api", "load"),
    "load_text": ("forkproof.api", "load_text"),
    "read_source": ("forkproof.api", "read_source"),
    "check": ("forkproof.api", "check"),
    "thresholds": ("forkproof.api", "thresholds"),
    "diff": ("forkproof.api", "diff"),
    "Report": ("forkproof.api", "Report"),
    "Result": ("forkproof.api", "Result"),
    "ThresholdsReport": ("forkproof.api", "ThresholdsReport"),
    "DiffReport": ("forkproof.api", "DiffReport"),
    "ExitCode": ("forkproof.semantics.verdict", "ExitCode"),
    "ModelError": ("forkproof.spec.errors", "ModelError"),
    "Diagnostic": ("forkproof.spec.errors", "Diagnostic"),
}

__all__ = list(_HOME)


def __getattr__(name: str) -> object:
    if name in _HOME:
        module, attr = _HOME[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'forkproof' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
