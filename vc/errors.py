"""The public import point of vic's error tree (drawn in :mod:`vic.contexts.errors`)."""

from vic.contexts.errors import *  # noqa: F403
from vic.contexts.errors import __all__ as __all__
