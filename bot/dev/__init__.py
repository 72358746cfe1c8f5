"""Developer tools: chat with a running bot, chat locally, play one flow."""
