"""``python -m vic.cli``: the same as the ``vic`` command."""

from vic.cli.main import main

main()
