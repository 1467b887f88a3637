"""``python -m cli``: the same as the ``vic`` command."""

from cli.main import main

main()
