"""JSON API of the enquiry board, under /api/v1: everything the board's pages do, with the same
services and the same authorisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint

from exchange import authz
from exchange.authz import enquiry as enquiry_authz
from exchange.enquiry import schemas, services
from exchange.moderation.models import ModerationItem

blp = Blueprint(
    "api_enquiry",
    __name__,
    url_prefix="/api/v1",
    description="The P4C enquiry board shared by both classes of a link.",
)
REFUSALS = {
    401: "Not signed in.",
    403: "Signed in, but not allowed to do this.",
    404: "No such thing, or not one this user may see.",
    409: "Not now: another step is current, the board is paused or closed, a rule is used up.",
    422: "The input is wrong; nothing was changed.",
}


def refusals(*codes: int) -> Callable[[Any], Any]:
    """Document the refusals an endpoint may answer with."""

    def decorate(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, schema=schemas.RefusalSchema, description=REFUSALS[code])(
                func
            )
        return func

    return decorate


ALL = (401, 403, 404, 409, 422)


def _me() -> Any:
    """The signed-in user, or 401."""
    if not authz.is_signed_in(current_user):
        abort(401)
    return current_user._get_current_object()


def _item(item: ModerationItem) -> dict[str, Any]:
    """An item for its author or teacher: the common fields, and the whole view by kind."""
    view = services.item_view(item)
    return {**view, "view": view}


def _voting(enquiry_id: int) -> dict[str, Any]:
    """Voting rules and what may be seen of the tally now."""
    enquiry = services.get_enquiry(_me(), enquiry_id)
    return {"voting": services.voting_view(enquiry), "tally": services.tally_for_viewers(enquiry)}


# ----- a link's enquiries -------------------------------------------------------------------


@blp.get("/links/<int:link_id>/enquiries")
@blp.response(200, schemas.LinkEnquiriesSchema)
@refusals(401, 404)
def link_enquiries(link_id: int) -> dict[str, Any]:
    """A link's enquiries (newest first), ground rules and parked questions."""
    me = _me()
    link = services.get_link(me, link_id)
    return {
        "link_id": link.id,
        "can_open": enquiry_authz.can_open_enquiry(me, link) and link.is_active,
        "enquiries": [services.enquiry_card(e) for e in services.enquiries_of(me, link_id)],
        "ground_rules": services.ground_rules(link),
        "parked_questions": [
            services.question_public_view(q.id) for q in services.parked_questions(me, link_id)
        ],
        "themes": list(services.THEMES),
    }


@blp.post("/links/<int:link_id>/enquiries")
@blp.arguments(schemas.OpenEnquirySchema)
@blp.response(201, schemas.EnquiryCardSchema)
@refusals(*ALL)
def open_enquiry(data: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Open an enquiry (a teacher of either class); `from_question_id` starts it from a parked
    question, which becomes its stimulus and one of its questions."""
    return services.enquiry_card(services.open_enquiry(_me(), link_id, **data))


@blp.get("/links/<int:link_id>/ground-rules")
@blp.response(200, schemas.GroundRulesOutSchema)
@refusals(401, 404)
def get_ground_rules(link_id: int) -> dict[str, Any]:
    """The two classes' agreed guidelines (or the suggested ones until they agree theirs)."""
    return services.ground_rules(services.get_link(_me(), link_id))


@blp.put("/links/<int:link_id>/ground-rules")
@blp.arguments(schemas.GroundRulesSchema)
@blp.response(200, schemas.GroundRulesOutSchema)
@refusals(*ALL)
def put_ground_rules(data: dict[str, Any], link_id: int) -> dict[str, Any]:
    """Record the agreed guidelines; every open board shows them at once."""
    return services.set_ground_rules(_me(), link_id, data["rules"])


# ----- the board ----------------------------------------------------------------------------


@blp.get("/enquiries/<int:enquiry_id>")
@blp.response(200, schemas.BoardSchema)
@refusals(401, 404)
def get_board(enquiry_id: int) -> dict[str, Any]:
    """The whole board as the signed-in user may see it (pending items only to their authors
    and teachers, jottings only to their owners) and the streams to follow from where it is."""
    return services.board_snapshot(_me(), enquiry_id)


@blp.post("/enquiries/<int:enquiry_id>/step")
@blp.arguments(schemas.MoveStepSchema)
@blp.response(200, schemas.EnquiryCardSchema)
@refusals(*ALL)
def move_step(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Move to the next step or back one; refused if the board is no longer at `from_step`."""
    return services.enquiry_card(services.move_step(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/pause")
@blp.arguments(schemas.PauseSchema)
@blp.response(200, schemas.EnquiryCardSchema)
@refusals(*ALL)
def pause(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Pause the board (pupils wait, the timer stops) or carry on."""
    return services.enquiry_card(services.set_paused(_me(), enquiry_id, data["paused"]))


@blp.post("/enquiries/<int:enquiry_id>/timer")
@blp.arguments(schemas.TimerSchema)
@blp.response(200, schemas.TimerOutSchema)
@refusals(*ALL)
def timer(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Start a timer (10 seconds to an hour), pause, resume or stop it."""
    enquiry = services.set_timer(_me(), enquiry_id, data["action"], data["seconds"])
    return {"timer": services.timer_view(enquiry)}


@blp.put("/enquiries/<int:enquiry_id>/stimulus")
@blp.arguments(schemas.StimulusSchema)
@blp.response(200, schemas.StimulusOutSchema)
@refusals(*ALL)
def put_stimulus(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Share a text, story, video link (`url`) or approved post (`post_item_id`), with an
    optional theme from the programme's four questions."""
    enquiry = services.set_stimulus(_me(), enquiry_id, **data)
    return {"stimulus": services.stimulus_view(enquiry)}


@blp.post("/enquiries/<int:enquiry_id>/stimulus/picture")
@blp.arguments(schemas.PictureFormSchema, location="form")
@blp.arguments(schemas.PictureFileSchema, location="files")
@blp.response(200, schemas.StimulusOutSchema)
@refusals(*ALL)
def post_picture(form: dict[str, Any], files: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Share a picture (multipart `image`, with `alt` words describing it); it is re-encoded
    without any metadata and served only to the board's readers."""
    upload = files.get("image")
    data = upload.stream.read() if upload else b""
    enquiry = services.set_picture_stimulus(
        _me(), enquiry_id, data=data, filename=upload.filename if upload else None, **form
    )
    return {"stimulus": services.stimulus_view(enquiry)}


@blp.post("/enquiries/<int:enquiry_id>/close")
@blp.response(200, schemas.EnquiryCardSchema)
@refusals(401, 403, 404, 409)
def close(enquiry_id: int) -> dict[str, Any]:
    """Close the enquiry: it stays readable and printable."""
    return services.enquiry_card(services.close_enquiry(_me(), enquiry_id))


@blp.get("/enquiries/<int:enquiry_id>/export")
@blp.response(200, schemas.ExportSchema)
@refusals(401, 404)
def export(enquiry_id: int) -> dict[str, Any]:
    """The whole enquiry as it reached both classes: stimulus, questions with votes, the chosen
    question, threaded contributions, last words and the reflection."""
    return services.export_enquiry(_me(), enquiry_id)


@blp.get("/enquiries/<int:enquiry_id>/summary")
@blp.response(200, schemas.SummarySchema)
@refusals(401, 403, 404)
def summary(enquiry_id: int) -> dict[str, Any]:
    """The teachers' summary: thumbs per class, reflections, who took part."""
    return services.summary(_me(), enquiry_id)


# ----- groups and jottings ------------------------------------------------------------------


@blp.post("/enquiries/<int:enquiry_id>/groups")
@blp.arguments(schemas.GroupSchema)
@blp.response(201, schemas.GroupOutSchema)
@refusals(*ALL)
def create_group(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Put 2 to 6 pupils of one of your classes in a group (before voting starts)."""
    return services.group_view(services.create_group(_me(), enquiry_id, data["pupil_ids"]))


@blp.put("/enquiries/<int:enquiry_id>/groups/<int:group_id>")
@blp.arguments(schemas.GroupSchema)
@blp.response(200, schemas.GroupOutSchema)
@refusals(*ALL)
def update_group(data: dict[str, Any], enquiry_id: int, group_id: int) -> dict[str, Any]:
    """Change who is in a group."""
    group = services.update_group(_me(), enquiry_id, group_id, data["pupil_ids"])
    return services.group_view(group)


@blp.delete("/enquiries/<int:enquiry_id>/groups/<int:group_id>")
@blp.response(204)
@refusals(401, 403, 404, 409)
def delete_group(enquiry_id: int, group_id: int) -> None:
    """Break up a group that has not written anything yet."""
    services.delete_group(_me(), enquiry_id, group_id)


@blp.get("/enquiries/<int:enquiry_id>/jotting")
@blp.response(200, schemas.JottingOutSchema)
@refusals(401, 403, 404)
def get_jotting(enquiry_id: int) -> dict[str, Any]:
    """Your (or your group's) private jotting: nobody else can read it."""
    return services.get_jotting(_me(), enquiry_id)


@blp.put("/enquiries/<int:enquiry_id>/jotting")
@blp.arguments(schemas.JottingSchema)
@blp.response(200, schemas.JottingOutSchema)
@refusals(*ALL)
def put_jotting(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Save your private jotting (the whole text)."""
    return services.save_jotting(_me(), enquiry_id, data["text"])


# ----- pupils' words ------------------------------------------------------------------------


@blp.post("/enquiries/<int:enquiry_id>/concepts")
@blp.arguments(schemas.TextSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_concept(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Name a big idea (a pupil's waits for their teacher's approval)."""
    return _item(services.submit_concept(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/questions")
@blp.arguments(schemas.TextSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_question(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Write a philosophical question (ending with a question mark, at most 200 characters)."""
    return _item(services.submit_question(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/clarifications")
@blp.arguments(schemas.ClarificationSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_clarification(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """A question's authors explain what they meant."""
    return _item(services.submit_clarification(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/contributions")
@blp.arguments(schemas.ContributionSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_contribution(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Add to the talk with a move (first_words, agree, disagree, build, example, question),
    replying to an earlier contribution (`reply_to_id`)."""
    return _item(services.submit_contribution(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/last-words")
@blp.arguments(schemas.TextSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_last_words(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """One final thought per pupil or group."""
    return _item(services.submit_last_words(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/reflections")
@blp.arguments(schemas.TextSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_reflection(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """A written reflection on how well we thought together (moderated)."""
    return _item(services.submit_reflection(_me(), enquiry_id, **data))


@blp.put("/enquiries/<int:enquiry_id>/items/<int:item_id>")
@blp.arguments(schemas.EditSchema)
@blp.response(200, schemas.ItemSchema)
@refusals(*ALL)
def edit_item(data: dict[str, Any], enquiry_id: int, item_id: int) -> dict[str, Any]:
    """Change your item that waits or came back, and send it again."""
    return _item(services.edit_item(_me(), enquiry_id, item_id, data["text"]))


@blp.post("/enquiries/<int:enquiry_id>/items/<int:item_id>/approve")
@blp.response(200, schemas.ItemSchema)
@refusals(401, 403, 404, 409, 422)
def approve_item(enquiry_id: int, item_id: int) -> dict[str, Any]:
    """Approve a pupil's item from the board (their own teacher; the receiving teacher too on a
    dual-approval link)."""
    return _item(services.approve_item(_me(), enquiry_id, item_id))


@blp.post("/enquiries/<int:enquiry_id>/items/<int:item_id>/return")
@blp.arguments(schemas.FeedbackSchema)
@blp.response(200, schemas.ItemSchema)
@refusals(*ALL)
def return_item(data: dict[str, Any], enquiry_id: int, item_id: int) -> dict[str, Any]:
    """Return a pupil's item with feedback they will see."""
    return _item(services.return_item(_me(), enquiry_id, item_id, data["feedback"]))


@blp.post("/enquiries/<int:enquiry_id>/items/<int:item_id>/hide")
@blp.arguments(schemas.ReasonSchema)
@blp.response(200, schemas.ItemSchema)
@refusals(*ALL)
def hide_item(data: dict[str, Any], enquiry_id: int, item_id: int) -> dict[str, Any]:
    """Hide an approved item that turned out to be unsuitable (it is reported to the
    facilitator)."""
    report = services.hide_item(_me(), enquiry_id, item_id, data["reason"])
    return _item(report.item)


# ----- airing -------------------------------------------------------------------------------


def _question(question: Any) -> dict[str, Any]:
    return {"question": services.question_public_view(question.id)}


@blp.post("/enquiries/<int:enquiry_id>/questions/<int:question_id>/reword")
@blp.arguments(schemas.RewordSchema)
@blp.response(200, schemas.QuestionSchema)
@refusals(*ALL)
def reword(data: dict[str, Any], enquiry_id: int, question_id: int) -> dict[str, Any]:
    """Reword a question (the original wording is kept and shown)."""
    return _question(services.reword_question(_me(), enquiry_id, question_id, data["text"]))


@blp.post("/enquiries/<int:enquiry_id>/questions/<int:question_id>/sort")
@blp.arguments(schemas.SortSchema)
@blp.response(200, schemas.QuestionSchema)
@refusals(*ALL)
def sort(data: dict[str, Any], enquiry_id: int, question_id: int) -> dict[str, Any]:
    """Place a question on the quadrant: `openness` closed/open, `basis` text/reasoning."""
    return _question(services.sort_question(_me(), enquiry_id, question_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/questions/<int:question_id>/park")
@blp.arguments(schemas.ParkSchema)
@blp.response(200, schemas.QuestionSchema)
@refusals(*ALL)
def park(data: dict[str, Any], enquiry_id: int, question_id: int) -> dict[str, Any]:
    """Park a question for a later enquiry (`parked: false` brings it back)."""
    return _question(services.park_question(_me(), enquiry_id, question_id, data["parked"]))


@blp.post("/enquiries/<int:enquiry_id>/questions/merge")
@blp.arguments(schemas.MergeSchema)
@blp.response(201, schemas.QuestionSchema)
@refusals(*ALL)
def merge(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Merge similar questions under a new wording; the originals are kept, marked merged."""
    return _question(services.merge_questions(_me(), enquiry_id, **data))


@blp.post("/enquiries/<int:enquiry_id>/questions/links")
@blp.arguments(schemas.LinkQuestionsSchema)
@blp.response(200, schemas.LinksSchema)
@refusals(*ALL)
def link(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Show two questions as similar (`linked: false` undoes it)."""
    return {"links": services.link_questions(_me(), enquiry_id, **data)}


# ----- voting -------------------------------------------------------------------------------


@blp.get("/enquiries/<int:enquiry_id>/tally")
@blp.response(200, schemas.TallySchema)
@refusals(401, 404)
def get_tally(enquiry_id: int) -> dict[str, Any]:
    """Voting rules and the tally: raw votes per class and weighted scores (exact fractions);
    while voting is blind, only how many have voted."""
    return _voting(enquiry_id)


@blp.put("/enquiries/<int:enquiry_id>/voting")
@blp.arguments(schemas.VotingRulesSchema)
@blp.response(200, schemas.TallySchema)
@refusals(*ALL)
def put_voting(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Choose the method (single, multi with `votes_per_voter`, omni), blind, equal weight."""
    services.configure_voting(_me(), enquiry_id, **data)
    return _voting(enquiry_id)


@blp.post("/enquiries/<int:enquiry_id>/voting/open")
@blp.response(200, schemas.TallySchema)
@refusals(401, 403, 404, 409)
def open_voting(enquiry_id: int) -> dict[str, Any]:
    """Open voting."""
    services.open_voting(_me(), enquiry_id)
    return _voting(enquiry_id)


@blp.post("/enquiries/<int:enquiry_id>/voting/close")
@blp.response(200, schemas.TallySchema)
@refusals(401, 403, 404, 409)
def close_voting(enquiry_id: int) -> dict[str, Any]:
    """Close voting: the tally is shown to everyone."""
    services.close_voting(_me(), enquiry_id)
    return _voting(enquiry_id)


@blp.delete("/enquiries/<int:enquiry_id>/votes")
@blp.response(200, schemas.TallySchema)
@refusals(401, 403, 404, 409)
def clear_votes(enquiry_id: int) -> dict[str, Any]:
    """Remove every vote (voting must be closed)."""
    services.clear_votes(_me(), enquiry_id)
    return _voting(enquiry_id)


@blp.post("/enquiries/<int:enquiry_id>/votes")
@blp.arguments(schemas.QuestionIdSchema)
@blp.response(201, schemas.MyVotesSchema)
@refusals(*ALL)
def vote(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Vote for a question (for yourself, or your group), within the rules."""
    return services.cast_vote(_me(), enquiry_id, data["question_id"])


@blp.delete("/enquiries/<int:enquiry_id>/votes/<int:question_id>")
@blp.response(200, schemas.MyVotesSchema)
@refusals(*ALL)
def unvote(enquiry_id: int, question_id: int) -> dict[str, Any]:
    """Take your vote back while voting is open."""
    return services.withdraw_vote(_me(), enquiry_id, question_id)


@blp.post("/enquiries/<int:enquiry_id>/chosen")
@blp.arguments(schemas.QuestionIdSchema)
@blp.response(200, schemas.QuestionSchema)
@refusals(*ALL)
def choose(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Confirm the chosen question (one of the most voted; ties are the teacher's to settle)."""
    return _question(services.choose_question(_me(), enquiry_id, data["question_id"]))


# ----- talk ---------------------------------------------------------------------------------


@blp.post("/enquiries/<int:enquiry_id>/hands")
@blp.response(200, schemas.QueueSchema)
@refusals(401, 403, 404, 409)
def raise_hand(enquiry_id: int) -> dict[str, Any]:
    """Put your hand up to speak."""
    return services.raise_hand(_me(), enquiry_id)


@blp.post("/enquiries/<int:enquiry_id>/hands/lower")
@blp.arguments(schemas.LowerHandSchema)
@blp.response(200, schemas.QueueSchema)
@refusals(*ALL)
def lower_hand(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Lower your hand (a teacher names whose with `pupil_id`)."""
    return services.lower_hand(_me(), enquiry_id, data["pupil_id"])


@blp.post("/enquiries/<int:enquiry_id>/hands/next")
@blp.response(200, schemas.QueueSchema)
@refusals(401, 403, 404, 409)
def next_speaker(enquiry_id: int) -> dict[str, Any]:
    """Call the next speaker, alternating fairly between the two classes."""
    return services.call_next(_me(), enquiry_id)


@blp.post("/enquiries/<int:enquiry_id>/prompts")
@blp.arguments(schemas.PostPromptSchema)
@blp.response(201, schemas.ItemSchema)
@refusals(*ALL)
def post_prompt(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Put a facilitation prompt on the board (from your bank by `prompt_id`, or new words)."""
    return _item(services.post_prompt(_me(), enquiry_id, **data))


def _prompt(prompt: Any) -> dict[str, Any]:
    return {"prompt_id": prompt.id, "text": prompt.text}


@blp.get("/prompt-bank")
@blp.response(200, schemas.PromptOutSchema(many=True))
@refusals(401, 403)
def get_prompt_bank() -> list[dict[str, Any]]:
    """Your facilitation prompts (a new bank starts with common P4C prompts)."""
    return [_prompt(p) for p in services.prompt_bank(_me())]


@blp.post("/prompt-bank")
@blp.arguments(schemas.PromptSchema)
@blp.response(201, schemas.PromptOutSchema)
@refusals(401, 403, 409, 422)
def add_prompt(data: dict[str, Any]) -> dict[str, Any]:
    """Add a prompt to your bank."""
    return _prompt(services.add_prompt(_me(), data["text"]))


@blp.put("/prompt-bank/<int:prompt_id>")
@blp.arguments(schemas.PromptSchema)
@blp.response(200, schemas.PromptOutSchema)
@refusals(401, 403, 404, 422)
def update_prompt(data: dict[str, Any], prompt_id: int) -> dict[str, Any]:
    """Reword a prompt in your bank."""
    return _prompt(services.update_prompt(_me(), prompt_id, data["text"]))


@blp.delete("/prompt-bank/<int:prompt_id>")
@blp.response(204)
@refusals(401, 403, 404)
def delete_prompt(prompt_id: int) -> None:
    """Remove a prompt from your bank."""
    services.delete_prompt(_me(), prompt_id)


# ----- reflection ---------------------------------------------------------------------------


@blp.post("/enquiries/<int:enquiry_id>/thumbs")
@blp.arguments(schemas.ThumbSchema)
@blp.response(200, schemas.ThumbsSchema)
@refusals(*ALL)
def thumb(data: dict[str, Any], enquiry_id: int) -> dict[str, Any]:
    """Thumbs up, sideways or down on how well we thought together (changeable)."""
    return services.set_thumb(_me(), enquiry_id, data["value"])
