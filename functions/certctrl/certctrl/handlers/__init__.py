"""Lambda entry points, one module per function in functions/certctrl/template.yaml."""
