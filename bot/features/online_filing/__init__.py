"""Online-first filing: guided submissions on VNeID and the public service portal."""
