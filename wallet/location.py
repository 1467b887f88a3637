"""Where the wallet keeps its files: ``VIC_WALLET``, else the user's data directory.

The folder holds ``wallet.sqlite`` (the marks) and ``holder-key.json`` (the holder key, a Multikey
file). It is created with mode 0700; both files are 0600.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = ["KEY_FILE", "STORE_FILE", "WALLET_ENV", "default_wallet_dir", "ensure_private_dir"]

WALLET_ENV: Final = "VIC_WALLET"
"""Environment variable naming the wallet folder (it wins over the data directory)."""
STORE_FILE: Final = "wallet.sqlite"
KEY_FILE: Final = "holder-key.json"


def default_wallet_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The wallet folder: ``$VIC_WALLET``, else ``vic/wallet`` in the user's data directory.

    The data directory is ``$XDG_DATA_HOME`` (default ``~/.local/share``) on Linux and other
    Unix systems, ``~/Library/Application Support`` on macOS and ``%LOCALAPPDATA%`` on Windows.
    """
    env = os.environ if environ is None else environ
    named = env.get(WALLET_ENV)
    if named:
        return Path(named).expanduser()
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "vic" / "wallet"


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; a folder vic creates is mode 0700.

    An existing folder keeps its mode: the user may have chosen it.

    :raises OSError: the folder cannot be created.
    """
    if path.is_dir():
        return
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
