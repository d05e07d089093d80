"""aligner: English-Korean sentence alignment into a Parquet parallel corpus."""

__version__ = "0.1.0"

