"""Clients of the outside services: KOOK's API, Discord webhooks, the Telegram Bot API, Feishu's open API,
GitHub releases and SES. Every call goes through suite.outbound.HttpClient (SSRF guard, retries, byte caps);
base URLs come from `<PROVIDER>_BASE_URL`. The forwarding pipeline reuses the senders.
"""
