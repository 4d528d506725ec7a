"""Entry points: argument parsing and graph wiring. The stages live in `transforms/`."""
