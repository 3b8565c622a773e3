"""Request and response bodies (pydantic), one module per endpoint group so each function imports only its own;
the backup file format (models/backup.py)."""
