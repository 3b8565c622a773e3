"""relay: the AI API relay (users, API keys, quota, upstream accounts, proxy for Claude/OpenAI/Gemini)."""
