"""Entry points: argument parsing and graph wiring. The stages live in `transforms/`."""

import logging


class _DropBeamImportNoise(logging.Filter):
    """Beam's GCP IO logs 'apitools not found' on the root logger at import, on every run."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


logging.getLogger().addFilter(_DropBeamImportNoise())
