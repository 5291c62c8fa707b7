"""`python -m forkproof`: the command line (forkproof.cli.main)."""
from forkproof.cli.main import main

main()
