"""Lambda entry points, one module per function in functions/ccjk/template.yaml."""
