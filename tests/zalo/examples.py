"""Webhook bodies shaped exactly like zalo-platform.md §1.7 (invented values, exact fields)."""

from __future__ import annotations

APP_ID = "3608465248940903967"
OA_ID = "3886132808798080645"
USER = "2468458835296117922"

EXAMPLES: dict[str, str] = {
    "user_send_text": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_text","timestamp":"1731900000123",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"message":{"msg_id":"a1b2c3d4e5f60718293a","text":"Cho tôi hỏi thủ tục làm căn cước"}}'
    ),
    "user_send_image": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_image","timestamp":"1731900001000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"message":{"msg_id":"b1c2d3e4f5a60718293b","text":"ảnh giấy tờ","attachments":'
        '[{"type":"image","payload":{"url":"https://example.invalid/img/1.jpg",'
        '"thumbnail":"https://example.invalid/img/1_t.jpg"}}]}}'
    ),
    "user_send_link": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_link","timestamp":"1731900002000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"message":{"msg_id":"c1d2e3f4a5b60718293c","text":"https://example.invalid/tin-tuc",'
        '"attachments":[{"type":"link","payload":{"url":"https://example.invalid/tin-tuc",'
        '"thumbnail":"https://example.invalid/t.jpg","description":"Tin tức xã"}}]}}'
    ),
    "user_send_sticker": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_sticker","timestamp":"1731900003000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"message":{"msg_id":"d1e2f3a4b5c60718293d","attachments":[{"type":"sticker",'
        '"payload":{"id":"bfe458bf64fa8da4d4eb","url":"https://example.invalid/sticker.png"}}]}}'
    ),
    "user_send_location": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_location","timestamp":"1731900004000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"message":{"msg_id":"e1f2a3b4c5d60718293e","text":"","attachments":[{"type":"location",'
        '"payload":{"coordinates":{"latitude":"10.7642473","longitude":"106.6564314"}}}]}}'
    ),
    "user_send_file": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_file","timestamp":"1731900005000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"message":{"msg_id":"f1a2b3c4d5e60718293f","attachments":[{"type":"file","payload":'
        '{"url":"https://example.invalid/f/don.pdf","name":"don.pdf","size":"48213",'
        '"checksum":"9e107d9d372bb6826bd81d3542a419d6","type":"pdf"}}]}}'
    ),
    "user_submit_info": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_submit_info","timestamp":"1731900006000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"3886132808798080645"},'
        '"info":{"name":"Nguyễn Văn B","phone":"84912345678","address":"Thôn 3",'
        '"ward":"Xã Ví Dụ","district":"Huyện Mẫu","city":"Tỉnh Thử"}}'
    ),
    "follow": (
        '{"app_id":"3608465248940903967","oa_id":"3886132808798080645",'
        '"user_id_by_app":"5521772797175877301","event_name":"follow","source":"oa_profile",'
        '"timestamp":"1731900007000","follower":{"id":"2468458835296117922"}}'
    ),
    "user_click_chatnow": (
        '{"app_id":"3608465248940903967","oa_id":"3886132808798080645",'
        '"user_id":"2468458835296117922","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_click_chatnow","timestamp":"1731900008000"}'
    ),
    "user_seen_message": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_seen_message","timestamp":"1731900009000",'
        '"sender":{"id":"3886132808798080645"},"recipient":{"id":"2468458835296117922"},'
        '"message":{"msg_ids":["0a1b2c3d4e5f60718290","0a1b2c3d4e5f60718291"]}}'
    ),
    "oa_send_text": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"oa_send_text","timestamp":"1731900010000",'
        '"sender":{"id":"3886132808798080645"},"recipient":{"id":"2468458835296117922"},'
        '"message":{"msg_id":"0a1b2c3d4e5f60718290","text":"Chào bạn, UBND xã xin trả lời…"}}'
    ),
    "user_send_group_text": (
        '{"app_id":"3608465248940903967","user_id_by_app":"5521772797175877301",'
        '"event_name":"user_send_group_text","timestamp":"1731900011000",'
        '"sender":{"id":"2468458835296117922"},"recipient":{"id":"4a9bada229cec09099df"},'
        '"message":{"msg_id":"1b2c3d4e5f6071829a0b","text":"Lịch họp thôn tuần này?"}}'
    ),
    "add_user_to_tag": (
        '{"app_id":"3608465248940903967","oa_id":"3886132808798080645",'
        '"user_id_by_app":"5521772797175877301","event_name":"add_user_to_tag",'
        '"timestamp":"1731900012000","tag":{"name":"thon_3","user_ids":["2468458835296117922"]}}'
    ),
}
