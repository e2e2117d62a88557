"""The command line: `main` parses and runs one command (see `mediarec --help`)."""

from mediarec.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
