"""kook: the KOOK chat-message forwarder to Discord, Telegram and Feishu (management API and pipeline)."""
