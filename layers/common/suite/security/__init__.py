"""Auth and secrets building blocks, free of service knowledge.

Import the submodule you need rather than this package, so cheap helpers never pull in heavy dependencies:

- ``jwt_tokens``: HMAC/RSA JWTs with pinned algorithm, required claims and kid-based key rotation (PyJWT).
- ``opaque_tokens``: random bearer tokens (API keys, device/app tokens) stored only as SHA-256 digests.
- ``passwords``: argon2id password hashing (argon2-cffi).
- ``secret_box``: KMS envelope encryption (AES-256-GCM) for third-party secrets kept in DynamoDB.
- ``masking``: masking single values and redacting fields before anything is logged.
"""
