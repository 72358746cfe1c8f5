"""Understanding what residents type: global commands and intent routing.

`global_command(text)` recognises the short commands that work everywhere ("menu", "hủy",
"quay lại", "kết thúc"); `IntentRouter.route(text)` decides what a free-text message is about.
Both read their words from `content/nlu/intents.yaml`, which officials edit without Python.
"""
