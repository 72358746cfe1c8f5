"""Reaching a real team member ("Gặp cán bộ hỗ trợ"): tickets, the team's side, human mode.

The resident asks through the `handoff` flow (content/flows/handoff.yaml, hooks in
bot/features/handoff/hooks.py). Creating the ticket sends the request, with a "Nhận hỗ trợ"
button, to the active team members of the resident's village, or to the commune leaders
when there is no village or nobody serves it. The rest happens here:

- Team members' buttons carry `#h:accept:<id>`, `#h:resolve:<id>`, `#h:release:<id>`. The
  first member to accept gets the ticket; later taps are told who took it. Only team members
  (`db.org.member_by_zalo_id`) may use them; anyone else gets a polite refusal.
- Human mode: while a ticket is accepted, the resident's conversation has mode "human". The
  resident's messages are relayed to the member and the member's plain messages to the
  resident (of the member's most recently accepted ticket); the bot adds nothing of its own.
  "kết thúc" from either side, or "Đã xong", resolves the ticket, returns the resident to the
  bot and asks whether the team member helped. "Trả lại" hands the ticket back to the others.
- Escalation (`escalate_due`, every minute from the scheduler): a request still open after
  `handoff_escalate_after_min` goes to the commune leaders, once.

Lock order, to stay clear of deadlocks between a resident's turn and a member's turn: the
resident's conversation row first, then the ticket row.

Zalo delivers a CS message only to someone who interacted with the OA in the last 7 days, so
team members must write to the OA now and then. A notification that cannot be delivered ends
as a failed outbox row; escalation then brings the request to the leaders.
"""
