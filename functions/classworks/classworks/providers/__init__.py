"""Outside APIs classworks calls, one module each through suite.outbound (none: the service calls no outside
API)."""
