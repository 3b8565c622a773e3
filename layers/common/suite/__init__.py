"""The suite's shared package, shipped in the common Lambda layer.

Small and free of service knowledge: envelopes, errors, pagination, the API resolver factory, auth building
blocks, secrets, outbound HTTP and observability. Services import from here; they never import each other.
"""
