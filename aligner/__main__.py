"""``python -m aligner`` runs the command line, as ``aligner`` does."""

from aligner.cli import app

if __name__ == "__main__":
    app(prog_name="aligner")
