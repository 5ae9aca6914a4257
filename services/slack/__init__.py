"""The Slack bot: one more front door over the same ask pipeline (Events API, /ask, answers in threads)."""
