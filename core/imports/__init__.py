"""The import/export pipeline shared by every kind of record (see pipeline.py)."""
