"""digest: a static news-digest generator. Pipeline: ingest → content/ → load → index → render → write."""

import hashlib
from pathlib import Path

__version__ = "0.1.0"
_code_version: str | None = None


def code_version() -> str:
    """The version and a hash of the package's own source. Every cache is keyed by it, not by the
    version alone: a checkout updated without a version bump (`git pull`, an editable install) must
    never reuse what older code parsed or rendered."""
    global _code_version
    if _code_version is None:
        root = Path(__file__).parent
        digest = hashlib.sha256()
        for file in sorted(root.rglob("*.py")):
            digest.update(file.relative_to(root).as_posix().encode("utf-8") + b"\0" + file.read_bytes())
        _code_version = f"{__version__}+{digest.hexdigest()[:16]}"
    return _code_version
