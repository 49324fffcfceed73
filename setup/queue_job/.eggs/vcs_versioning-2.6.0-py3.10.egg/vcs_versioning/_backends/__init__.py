"""VCS backends (private module)"""

from __future__ import annotations
