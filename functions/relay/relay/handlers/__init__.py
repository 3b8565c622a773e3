"""Lambda entry points, one module per function in functions/relay/template.yaml."""
