"""The package version: one place, imported by every module that records it."""

from __future__ import annotations

__version__ = "0.3.1"
