"""Pytest configuration of the pure-Python tests (no Odoo needed).

The repository root is put on ``sys.path``.  ``rdv_booking/__init__.py`` imports
the Odoo models, so the slot engine is loaded from its file path as the
stand-alone module ``rdv_schedule``: tests do ``import rdv_schedule as schedule``.
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _load(name: str, path: Path) -> None:
    """Load ``path`` as module ``name`` and register it in ``sys.modules``."""
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # Registered before execution: dataclasses look their module up while the
    # module body runs.
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load("rdv_schedule", ROOT / "rdv_booking" / "tools" / "schedule.py")
