"""``python -m rapport_cost``."""

from rapport_cost.cli.main import main

if __name__ == "__main__":
    main()
