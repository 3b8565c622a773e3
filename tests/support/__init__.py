"""Helpers shared by the test layers: events, Lambda contexts, template readers."""
