"""Lambda entry points, one module per function in functions/classworks/template.yaml."""
