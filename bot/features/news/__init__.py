"""Village news: residents subscribe to (or leave) their village's notices in chat."""
