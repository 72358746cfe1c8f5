"""Text helpers shared by routing, search and the scam checker: normalisation and privacy."""
