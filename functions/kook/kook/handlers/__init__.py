"""Lambda entry points, one module per function in functions/kook/template.yaml."""
