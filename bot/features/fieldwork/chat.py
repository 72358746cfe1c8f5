""" "Ghi nhận hỗ trợ" in a team member's own chat with the OA (a chat interceptor).

- "ghi nhận hỗ trợ" (or the button of a campaign's ask): village (if the member has several)
  → the head of household's name → what was done (taps, or numbers typed) → the procedure
  filed, the skills taught when those were done → how many people (optional) → saved, with
  "Thêm hộ khác" (the next household, same village), "Sửa", "Xóa", "Xong".
- `#fw:edit:<id>`, `#fw:del:<id>`: the author corrects or deletes a record the same day.
- "ghi nhận hôm nay": today's records; "tổng kết tháng" ("… tháng trước"): this (last)
  month's summary.

Only registered team members (by Zalo id); residents' words are left to normal routing.
Nothing about a resident is asked beyond the household's name, and never an ID number.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.features.fieldwork import content
from bot.features.fieldwork.records import MAX_PEOPLE, Help, changeable, correct, delete, record
from bot.features.fieldwork.summary import START_PAYLOAD, summary_replies
from bot.features.org.orgfile import match_village
from bot.features.skills.households import HouseholdProblem, check_household
from bot.features.skills.lessons import skill_list
from bot.flows.store import FlowState
from bot.replies import Button, Reply
from bot.text.normalize import normalize
from bot.texts import Texts
from bot.turn import Turn
from db import fieldwork as visit_rows
from db import org
from db.models import FieldVisit, TeamMember, Village

FLOW = "fieldwork"
PREFIX = "#fw:"
_NUMBERS = re.compile(r"\d{1,2}")
_ONLY_NUMBERS = re.compile(r"[\d\s,;.+và]*")
MAX_PROCEDURE = 120


def _p(*parts: object) -> str:
    return PREFIX + ":".join(str(p) for p in parts)


def _numbers(text: str, top: int) -> list[int] | None:
    """ "1 3, 4" → [1, 3, 4]; None unless the text is only numbers from 1 to `top`."""
    if len(text) > 60 or not _ONLY_NUMBERS.fullmatch(text.strip()):
        return None
    found = [int(n) for n in _NUMBERS.findall(text)]
    if not found or any(not 1 <= n <= top for n in found):
        return None
    return sorted(set(found))


class FieldworkInterceptor:
    def handle(self, turn: Turn, state: FlowState, text: str) -> bool:
        resident = turn.resident
        if resident is None or resident.id is None:
            return False
        cdir = turn.services.settings.content_dir
        in_flow = state.flow_id == FLOW and state.step_id is not None
        words = normalize(text) if text and len(text) < 40 else ""
        asked = any(
            words in content.words(cdir, key)
            for key in ("start_words", "summary_words", "last_month_words", "today_words")
        )
        if not in_flow and not text.startswith(PREFIX) and not asked:
            return False
        member = org.member_by_zalo_id(turn.session, zalo_user_id=resident.zalo_user_id)
        if member is None:
            if in_flow:
                turn.services.flows.reset(state)
            if text.startswith(PREFIX):
                turn.say(self._t(turn).get("fieldwork.not_member"))
                return True
            return False  # a resident's words: normal routing answers
        Recording(turn, state, member).handle(text, words, in_flow=in_flow)
        return True

    def _t(self, turn: Turn) -> Texts:
        return content.texts(turn.services.settings.content_dir)


class Recording:
    """One member's message, inside or outside the recording."""

    def __init__(self, turn: Turn, state: FlowState, member: TeamMember) -> None:
        self.turn, self.state, self.member = turn, state, member
        self.cdir = turn.services.settings.content_dir
        self.texts = content.texts(self.cdir)
        self.tz = turn.services.settings.tz

    def t(self, key: str, **context: Any) -> str:
        return self.texts.get(f"fieldwork.{key}", **context)

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    def handle(self, text: str, words: str, *, in_flow: bool) -> None:
        if text.startswith(START_PAYLOAD) or words in content.words(self.cdir, "start_words"):
            raw = text.removeprefix(START_PAYLOAD + ":c") if text.startswith(START_PAYLOAD) else ""
            self.start(int(raw) if raw.isdigit() else None)
        elif words in content.words(self.cdir, "summary_words"):
            self.summary(last_month=False)
        elif words in content.words(self.cdir, "last_month_words"):
            self.summary(last_month=True)
        elif words in content.words(self.cdir, "today_words"):
            self.today()
        elif text.startswith((_p("edit") + ":", _p("del") + ":")):
            self.change(text)
        elif text == _p("more"):
            self.more()
        elif text == _p("end"):
            self.turn.services.flows.reset(self.state)
            self.turn.say(self.t("finished"))
        elif in_flow and self.turn.services.router.global_command(text) in ("cancel", "menu"):
            self.turn.services.flows.reset(self.state)
            self.turn.say(self.t("stopped"))
        elif in_flow:
            self.step(text)
        else:
            self.turn.say(self.t("stopped"))

    # -- the steps -----------------------------------------------------------------------------

    def villages(self) -> list[Village]:
        """The member's villages (a commune leader's: all); on a campaign's day, those of
        them the campaign was for, when there are any."""
        assert self.member.id is not None
        mine = org.villages_of_member(self.turn.session, member_id=self.member.id)
        mine = mine or org.villages(self.turn.session)
        campaign = self.data.get("campaign")
        if campaign:
            aimed = set(visit_rows.campaign_villages(self.turn.session, campaign_id=campaign))
            return [v for v in mine if v.id in aimed] or mine
        return mine

    def start(self, campaign_id: int | None) -> None:
        self.turn.services.flows.reset(self.state)
        self.state.flow_id = FLOW
        self.state.data = {"campaign": campaign_id}
        villages = self.villages()
        if len(villages) == 1:
            self.data["village"] = villages[0].id
            self.ask_household()
            return
        self.state.step_id = "village"
        buttons = tuple(Button(v.name[:30], payload=_p("v", v.id)) for v in villages[:5])
        self.turn.say(Reply(self.t("ask_village"), buttons=buttons))

    def step(self, text: str) -> None:
        steps = {
            "village": self.on_village,
            "household": self.on_household,
            "actions": self.on_actions,
            "procedure": self.on_procedure,
            "skills": self.on_skills,
            "people": self.on_people,
        }
        handler = steps.get(self.state.step_id or "")
        if handler is not None:
            handler(text)

    def village_name(self) -> str:
        village = org.village_by_id(self.turn.session, village_id=int(self.data["village"]))
        return village.name if village is not None else ""

    def on_village(self, text: str) -> None:
        villages = self.villages()
        raw = text.removeprefix(_p("v") + ":") if text.startswith(_p("v")) else None
        found = next((v for v in villages if raw is not None and str(v.id) == raw), None)
        found = found or (match_village(villages, text) if raw is None else None)
        if found is None:
            self.start(self.data.get("campaign"))
            return
        self.data["village"] = found.id
        self.ask_household()

    def ask_household(self) -> None:
        self.state.step_id = "household"
        self.turn.say(self.t("ask_household", village=self.village_name()))

    def on_household(self, text: str) -> None:
        answer = check_household(text) if not text.startswith("#") else None
        if answer is not None and answer.problem is HouseholdProblem.ID_LIKE:
            self.turn.log("fieldwork_household_refused", flow=FLOW, value="id_like")
            self.turn.say(self.t("household_refused"))
            return
        if answer is None or answer.key is None:
            self.turn.say(self.t("household_bad"))
            return
        self.data.update(household=answer.key, actions=[])
        self.ask_actions()

    def action_names(self) -> dict[str, str]:
        return {a: self.t(f"actions.{a}") for a in content.ACTIONS}

    def ask_actions(self) -> None:
        self.state.step_id = "actions"
        names = self.action_names()
        chosen = [a for a in content.ACTIONS if a in self.data["actions"]]
        mark = self.t("chosen_mark") + " "
        items = "\n".join(
            f"{i}. {mark if a in chosen else ''}{names[a]}"
            for i, a in enumerate(content.ACTIONS, 1)
        )
        buttons = [
            Button(self.t(f"action_buttons.{a}"), payload=_p("a", a))
            for a in self.action_page(chosen)
        ]
        if len(content.ACTIONS) - len(chosen) > len(buttons):
            buttons.append(Button(self.t("more_actions_button"), payload=_p("page")))
        if chosen:
            buttons.append(Button(self.t("done_button"), payload=_p("done")))
        text = self.t(
            "ask_actions",
            household=self.data["household"],
            village=self.village_name(),
            items=items,
            chosen=", ".join(names[a] for a in chosen),
        )
        self.turn.say(Reply(text, buttons=tuple(buttons)))

    def action_page(self, chosen: list[str]) -> list[str]:
        """The page of actions not chosen yet that the buttons show (3 or 4 at a time, with
        "Việc khác ▸" and "Xong ✓" beside them)."""
        left = [a for a in content.ACTIONS if a not in chosen]
        size = 3 if chosen else 4
        pages = max(1, -(-len(left) // size))
        page = int(self.data.get("page", 0)) % pages
        return left[page * size : page * size + size]

    def on_actions(self, text: str) -> None:
        chosen: list[str] = self.data["actions"]
        if text == _p("page"):
            self.data["page"] = int(self.data.get("page", 0)) + 1
            self.ask_actions()
            return
        code = text.removeprefix(_p("a") + ":") if text.startswith(_p("a") + ":") else None
        typed = _numbers(text, len(content.ACTIONS))
        if code in content.ACTIONS:
            self.data["actions"] = sorted({*chosen, code}, key=content.ACTIONS.index)
            self.ask_actions()
            return
        if typed is not None:
            self.data["actions"] = [content.ACTIONS[n - 1] for n in typed]
        elif text != _p("done"):
            self.ask_actions()
            return
        if not self.data["actions"]:
            self.turn.say(self.t("actions_empty"))
            self.ask_actions()
            return
        self.next_question()

    def next_question(self) -> None:
        """The procedure and the skills when those were done and not told yet; then people."""
        actions = self.data["actions"]
        if "filing" in actions and "procedure" not in self.data:
            self.state.step_id = "procedure"
            examples = list(content.raw(self.cdir).get("procedure_examples") or [])
            shown = tuple(Button(str(e)[:30], payload=_p("p", i)) for i, e in enumerate(examples))
            self.turn.say(Reply(self.t("ask_procedure"), buttons=shown))
        elif "skills" in actions and "skills" not in self.data:
            self.state.step_id = "skills"
            skills = skill_list(self.cdir)
            items = "\n".join(f"{i}. {title}" for i, (_, title) in enumerate(skills, 1))
            button = Button(self.t("all_skills_button"), payload=_p("s", "all"))
            self.turn.say(Reply(self.t("ask_skills", items=items), buttons=(button,)))
        elif "people" not in self.data:
            self.state.step_id = "people"
            buttons = [Button(str(n), payload=_p("n", n)) for n in (1, 2, 3, 4)]
            buttons.append(Button(self.t("skip_button"), payload=_p("n", 0)))
            self.turn.say(Reply(self.t("ask_people"), buttons=tuple(buttons)))
        else:
            self.save()

    def on_procedure(self, text: str) -> None:
        examples = list(content.raw(self.cdir).get("procedure_examples") or [])
        raw = text.removeprefix(_p("p") + ":") if text.startswith(_p("p") + ":") else None
        if raw is not None and raw.isdigit() and int(raw) < len(examples):
            self.data["procedure"] = str(examples[int(raw)])
            self.next_question()
            return
        answer = check_household(text) if raw is None and not text.startswith("#") else None
        if answer is None or answer.key is None or len(text) > MAX_PROCEDURE:
            self.turn.say(self.t("procedure_bad"))
            return
        self.data["procedure"] = answer.key
        self.next_question()

    def on_skills(self, text: str) -> None:
        skills = [s for s, _ in skill_list(self.cdir)]
        if text == _p("s", "all"):
            self.data["skills"] = skills
        else:
            typed = _numbers(text, len(skills))
            if typed is None:
                self.turn.say(self.t("skills_bad"))
                return
            self.data["skills"] = [skills[n - 1] for n in typed]
        self.next_question()

    def on_people(self, text: str) -> None:
        raw = text.removeprefix(_p("n") + ":") if text.startswith(_p("n") + ":") else text.strip()
        if normalize(raw) == normalize(self.t("skip_button")):
            raw = "0"
        if not raw.isdigit() or int(raw) > MAX_PEOPLE:
            self.turn.say(self.t("people_bad"))
            return
        self.data["people"] = int(raw) or None
        self.save()

    # -- saving, correcting, deleting --------------------------------------------------------

    def help(self) -> Help:
        return Help(
            actions=tuple(self.data["actions"]),
            skills=tuple(self.data.get("skills") or ()),
            procedure=self.data.get("procedure"),
            people=self.data.get("people"),
        )

    def done_text(self, row: FieldVisit) -> str:
        names = self.action_names()
        parts = []
        for action in row.actions:
            name = names[action]
            if action == "filing" and row.procedure:
                name += f" ({row.procedure})"
            if action == "skills" and row.skills:
                titles = dict(skill_list(self.cdir))
                name += f" ({', '.join(titles.get(s, s) for s in row.skills)})"
            parts.append(name)
        return ", ".join(parts)

    def after_buttons(self, row: FieldVisit) -> tuple[Button, ...]:
        return (
            Button(self.t("more_button"), payload=_p("more")),
            Button(self.t("edit_button"), payload=_p("edit", row.id)),
            Button(self.t("delete_button"), payload=_p("del", row.id)),
            Button(self.t("end_button"), payload=_p("end")),
        )

    def save(self) -> None:
        session, now = self.turn.session, self.turn.now
        editing = self.data.get("edit")
        row = visit_rows.get(session, visit_id=int(editing)) if editing else None
        if editing and not changeable(row, self.member, now, self.tz):
            self.turn.services.flows.reset(self.state)
            self.turn.say(self.t("not_yours"))
            return
        if row is not None:
            row = correct(session, row, member=self.member, help=self.help(), now=now)
            key = "corrected"
        else:
            row = record(
                session,
                member=self.member,
                village_id=int(self.data["village"]),
                household=str(self.data["household"]),
                help=self.help(),
                now=now,
                tz=self.tz,
                campaign_id=self.data.get("campaign"),
            )
            key = "saved"
        self.turn.log(f"fieldwork_{key}", flow=FLOW, value=str(row.id))
        village, campaign = self.data["village"], self.data.get("campaign")
        self.state.step_id = None
        self.state.data = {"village": village, "campaign": campaign}
        text = self.t(
            key,
            household=row.household_key,
            village=self.village_name(),
            done=self.done_text(row),
            people=row.people,
        )
        self.turn.say(Reply(text, buttons=self.after_buttons(row)))

    def more(self) -> None:
        """The next household, in the same village (and for the same campaign)."""
        if not self.data.get("village"):
            self.start(None)
            return
        self.state.flow_id = FLOW
        self.state.data = {"village": self.data["village"], "campaign": self.data.get("campaign")}
        self.ask_household()

    def change(self, text: str) -> None:
        deleting = text.startswith(_p("del") + ":")
        raw = text.split(":")[-1]
        session = self.turn.session
        row = visit_rows.get(session, visit_id=int(raw)) if raw.isdigit() else None
        if row is None:
            self.turn.say(self.t("gone"))
            return
        if not changeable(row, self.member, self.turn.now, self.tz):
            self.turn.say(self.t("not_yours"))
            return
        if deleting:
            household = row.household_key
            delete(session, row, member=self.member, now=self.turn.now)
            self.turn.services.flows.reset(self.state)
            self.turn.log("fieldwork_deleted", flow=FLOW, value=raw)
            self.turn.say(self.t("deleted", household=household))
            return
        self.turn.services.flows.reset(self.state)
        self.state.flow_id = FLOW
        self.state.data = {
            "edit": row.id,
            "village": row.village_id,
            "household": row.household_key,
            "actions": [],
            "campaign": row.campaign_id,
        }
        self.ask_actions()

    # -- what was recorded -------------------------------------------------------------------

    def today(self) -> None:
        assert self.member.id is not None
        day = self.turn.now.astimezone(self.tz).date().isoformat()
        rows = visit_rows.of_member_on(self.turn.session, member_id=self.member.id, day=day)
        if not rows:
            self.turn.say(self.t("today_empty"))
            return
        lines = [self.t("today_title")]
        for n, row in enumerate(rows, 1):
            village = org.village_by_id(self.turn.session, village_id=row.village_id or 0)
            lines.append(
                self.t(
                    "today_item",
                    n=n,
                    household=row.household_key,
                    village=village.name if village else "",
                    done=self.done_text(row),
                )
            )
        last = rows[-1]
        self.turn.say(Reply("\n".join(lines), buttons=self.after_buttons(last)[1:3]))

    def summary(self, *, last_month: bool) -> None:
        month = self.turn.now.astimezone(self.tz).date()
        if last_month:
            month = month.replace(day=1) - timedelta(days=1)
        for reply in summary_replies(
            self.turn.session, self.member, month=month, settings=self.turn.services.settings
        ):
            self.turn.say(reply)
