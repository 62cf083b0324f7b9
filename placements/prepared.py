"""Moved to :mod:`core.prepared` (so that the apps below placements may use it, ADR 0010); re-exported here."""

from core.prepared import PreparedQuery as PreparedQuery

__all__ = ["PreparedQuery"]
