"""Request bodies (pydantic), one module per endpoint group so each function imports only its own."""
