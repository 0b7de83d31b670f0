"""``python -m diffkit`` runs the command line."""

from diffkit.cli.main import main

if __name__ == "__main__":
    main()
