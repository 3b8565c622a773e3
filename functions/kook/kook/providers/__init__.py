"""Clients of the outside services: KOOK's API and asset hosts, Discord webhooks, the Telegram Bot API, Feishu's
open API, GitHub releases. Every call goes through suite.outbound.HttpClient (SSRF guard, retries, byte caps) and
fails as suite.outbound.ProviderError; base URLs come from `<PROVIDER>_BASE_URL` (kook.config). The forwarding
pipeline reuses the senders. (SES, an AWS call, is kook.store.email.)
"""
