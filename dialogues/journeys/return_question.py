"""A short question about sending something back (dialogues/kit/return_questions.py): the return address, the
original box, a swap instead of a refund. Answered from what the bot does (a return booked here comes with its
label) and the merchant's returns policy link, never starting a return; the open question, if any, asked again."""

from __future__ import annotations

from bot.core.wording import Rendered
from dialogues.base import Flow, Turn, register
from dialogues.kit.keywords import ask_open_question_again
from dialogues.kit.return_questions import return_question

flow = register(Flow("return_question", intents=()))


@flow.start
def start(turn: Turn) -> None:
    question = return_question(turn.text)
    if question is None:  # the router sends only these here
        return
    url = turn.config.returns_policy.url
    link = Rendered(" " + turn.render("utter_faq_policy_link", url=url)) if url else Rendered("")
    turn.say(f"utter_return_question_{question.value}", link=link)
    turn.audit("faq", f"return_{question.value}")
    ask_open_question_again(turn)
