"""digest: a static news-digest generator. Pipeline: ingest → content/ → load → index → render → write."""

__version__ = "0.1.0"
