"""relay store: every AWS data call, one module per entity (docs/relay.md, "Data")."""
