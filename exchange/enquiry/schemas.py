"""Marshmallow schemas of the enquiry board, shared by the JSON API and the socket commands.

Input schemas check shape and bound sizes; the services give the plain-words refusals (a
question without a question mark, a vote beyond the rules), so both paths answer alike.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

BIG = 10_000  # bounds payloads; the services enforce the real limits with clear messages
CLIENT_ID = fields.String(load_default=None, validate=validate.Length(max=64))


def _id(required: bool = True) -> fields.Integer:
    """A positive id."""
    if required:
        return fields.Integer(required=True, validate=validate.Range(min=1))
    return fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


def _text(required: bool = True) -> fields.String:
    """Free text, bounded."""
    if required:
        return fields.String(required=True, validate=validate.Length(max=BIG))
    return fields.String(load_default="", validate=validate.Length(max=BIG))


# ----- input --------------------------------------------------------------------------------


class OpenEnquirySchema(Schema):
    """Open an enquiry on a link (optionally from a parked question)."""

    title = _text(required=False)
    use_concepts = fields.Boolean(load_default=True)
    from_question_id = _id(required=False)


class GroundRulesSchema(Schema):
    """The two classes' agreed guidelines for talking together."""

    rules = fields.List(fields.String(validate=validate.Length(max=1000)), required=True)


class MoveStepSchema(Schema):
    """Move the board; `from_step` is the step the teacher's screen showed."""

    direction = fields.String(required=True, validate=validate.OneOf(["next", "back"]))
    from_step = fields.Integer(required=True, validate=validate.Range(min=0, max=10))


class PauseSchema(Schema):
    """Pause the board or carry on."""

    paused = fields.Boolean(required=True)


class TimerSchema(Schema):
    """Start (with seconds), pause, resume or stop the timer."""

    action = fields.String(
        required=True, validate=validate.OneOf(["start", "pause", "resume", "stop"])
    )
    seconds = fields.Integer(load_default=None, allow_none=True)


class StimulusSchema(Schema):
    """A text, story, video link or post from the space (pictures are uploaded as a form)."""

    kind = fields.String(required=True, validate=validate.Length(max=20))
    title = _text(required=False)
    text = _text(required=False)
    url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=BIG))
    post_item_id = _id(required=False)
    theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class PictureFormSchema(Schema):
    """The form fields sent with a picture stimulus."""

    title = _text(required=False)
    alt = _text(required=False)
    theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class PictureFileSchema(Schema):
    """The picture itself (multipart field `image`)."""

    image = fields.Raw(metadata={"type": "string", "format": "binary"}, load_default=None)


class GroupSchema(Schema):
    """The pupils of one class who work together."""

    pupil_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(max=50))


class JottingSchema(Schema):
    """The whole text of a private jotting."""

    text = _text(required=False)


class TextSchema(Schema):
    """A big idea, question, last words or reflection; `client_id` makes a retry safe."""

    text = _text()
    client_id = CLIENT_ID


class ClarificationSchema(TextSchema):
    """An author's clarification of their question."""

    question_id = _id()


class ContributionSchema(TextSchema):
    """A turn in the talk: its move, and the contribution it answers."""

    move = fields.String(required=True, validate=validate.Length(max=20))
    reply_to_id = _id(required=False)


class EditSchema(Schema):
    """New words for an item that waits or came back."""

    text = _text()


class FeedbackSchema(Schema):
    """Feedback to the pupil when returning their item."""

    feedback = _text()


class ReasonSchema(Schema):
    """Why an approved item is hidden (sent to the facilitator)."""

    reason = _text()


class RewordSchema(Schema):
    """A teacher's rewording of a question."""

    text = _text()


class SortSchema(Schema):
    """A question's place on the quadrant."""

    openness = fields.String(load_default=None, allow_none=True)
    basis = fields.String(load_default=None, allow_none=True)


class ParkSchema(Schema):
    """Park a question for a later enquiry, or bring it back."""

    parked = fields.Boolean(load_default=True)


class MergeSchema(Schema):
    """Merge similar questions under a new wording."""

    question_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(max=50))
    text = _text()


class LinkQuestionsSchema(Schema):
    """Link (or unlink) two similar questions."""

    question_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(max=50))
    linked = fields.Boolean(load_default=True)


class VotingRulesSchema(Schema):
    """Single, multi (N votes) or omnivote; blind; equal weight per class."""

    method = fields.String(required=True, validate=validate.Length(max=20))
    votes_per_voter = fields.Integer(load_default=None, allow_none=True)
    blind = fields.Boolean(load_default=False)
    equal_weight = fields.Boolean(load_default=False)


class QuestionIdSchema(Schema):
    """A question to vote for, take a vote back from, or confirm as chosen."""

    question_id = _id()


class PromptSchema(Schema):
    """A prompt in a teacher's bank."""

    text = _text()


class PostPromptSchema(Schema):
    """Put a facilitation prompt on the board: one from the bank, or new words."""

    prompt_id = _id(required=False)
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=BIG))
    reply_to_id = _id(required=False)


class LowerHandSchema(Schema):
    """Lower a hand (teachers say whose)."""

    pupil_id = _id(required=False)


class ThumbSchema(Schema):
    """Thumbs up, sideways or down."""

    value = fields.String(required=True, validate=validate.Length(max=20))


# Socket commands carry the enquiry's id with the same fields as the API.
class EnquiryIdSchema(Schema):
    """Which board a socket command is for."""

    enquiry_id = _id()


def socket_schema(schema: type[Schema]) -> type[Schema]:
    """The API schema plus `enquiry_id`, for the matching socket command."""
    return type(f"Socket{schema.__name__}", (schema, EnquiryIdSchema), {})


# ----- output -------------------------------------------------------------------------------


class RefusalSchema(Schema):
    """Every refusal: a code and a plain-words message (and the field, for bad input)."""

    ok = fields.Boolean(dump_default=False)
    error = fields.String(required=True)
    message = fields.String(required=True)
    field = fields.String()
    details = fields.Dict()


class EnquiryCardSchema(Schema):
    """An enquiry in a list."""

    enquiry_id = fields.Integer()
    link_id = fields.Integer()
    title = fields.String()
    state = fields.String()
    step = fields.Integer()
    step_key = fields.String()
    step_name = fields.String()
    pupil_words = fields.String()
    use_concepts = fields.Boolean()
    paused = fields.Boolean()
    theme = fields.String(allow_none=True)
    chosen_question = fields.String(allow_none=True)
    created_at = fields.String()
    closed_at = fields.String(allow_none=True)


class LinkEnquiriesSchema(Schema):
    """A link's enquiries, ground rules and parked questions."""

    link_id = fields.Integer()
    can_open = fields.Boolean()
    enquiries = fields.List(fields.Nested(EnquiryCardSchema))
    ground_rules = fields.Dict()
    parked_questions = fields.List(fields.Dict())
    themes = fields.List(fields.String())


class BoardSchema(Schema):
    """The whole board as the signed-in user may see it, and the streams to follow."""

    enquiry = fields.Nested(EnquiryCardSchema)
    steps = fields.List(fields.Dict())
    ground_rules = fields.Dict()
    stimulus = fields.Dict(allow_none=True)
    timer = fields.Dict()
    classes = fields.List(fields.Dict())
    viewer = fields.Dict()
    streams = fields.Dict()
    concepts = fields.List(fields.Dict())
    questions = fields.List(fields.Dict())
    clarifications = fields.List(fields.Dict())
    question_links = fields.List(fields.List(fields.Integer()))
    contributions = fields.List(fields.Dict())
    last_words = fields.List(fields.Dict())
    reflections = fields.List(fields.Dict())
    my_items = fields.List(fields.Dict(), metadata={"description": "a pupil's own waiting items"})
    pending = fields.List(fields.Dict(), metadata={"description": "items waiting for you"})
    voting = fields.Dict()
    tally = fields.Dict()
    chosen = fields.Dict(allow_none=True)
    speaker_queue = fields.Dict()
    thumbs = fields.List(fields.Dict())
    groups = fields.List(fields.Dict())
    mine_question_ids = fields.List(fields.Integer())
    my_votes = fields.Dict()
    my_thumb = fields.String(allow_none=True)
    jotting = fields.Dict()
    prompts = fields.List(fields.Dict())
    roster = fields.List(fields.Dict())


class ItemSchema(Schema):
    """A piece of enquiry content and where it is in the approval rule."""

    item_id = fields.Integer()
    item_kind = fields.String()
    state = fields.String()
    stage = fields.String(allow_none=True)
    feedback = fields.String(allow_none=True)
    version = fields.Integer()
    text = fields.String()
    author = fields.String()
    group = fields.String(allow_none=True)
    class_label = fields.String()
    view = fields.Dict(metadata={"description": "the full view of the item (by kind)"})


class QuestionSchema(Schema):
    """A question as the board shows it."""

    question = fields.Dict()


class TallySchema(Schema):
    """The tally, or (while voting is blind) only how many have voted."""

    tally = fields.Dict()
    voting = fields.Dict()


class MyVotesSchema(Schema):
    """The voter's own votes and how many are left (None with omnivote)."""

    question_ids = fields.List(fields.Integer())
    votes_left = fields.Integer(allow_none=True)


class GroupOutSchema(Schema):
    """A group."""

    group_id = fields.Integer()
    name = fields.String()
    classroom_id = fields.Integer()
    owner_key = fields.String()
    members = fields.List(fields.Dict())


class JottingOutSchema(Schema):
    """A private jotting."""

    owner_key = fields.String()
    text = fields.String()
    updated_at = fields.String(allow_none=True)
    updated_by = fields.String(allow_none=True)


class PromptOutSchema(Schema):
    """A prompt in the bank."""

    prompt_id = fields.Integer()
    text = fields.String()


class QueueSchema(Schema):
    """The speaker queue: who speaks, who waits, in the order they will be called."""

    speaking = fields.Dict(allow_none=True)
    waiting = fields.List(fields.Dict())


class ThumbsSchema(Schema):
    """The pupil's thumb and each class's thumbs."""

    value = fields.String()
    thumbs = fields.List(fields.Dict())


class SummarySchema(Schema):
    """The teachers' reflection summary."""

    enquiry_id = fields.Integer()
    thumbs = fields.List(fields.Dict())
    classes = fields.List(fields.Dict())
    reflections = fields.List(fields.Dict())
    reflections_waiting = fields.Integer()


class ExportSchema(Schema):
    """The whole enquiry as it reached both classes, for the printable page."""

    enquiry = fields.Nested(EnquiryCardSchema)
    classes = fields.List(fields.Dict())
    ground_rules = fields.Dict()
    stimulus = fields.Dict(allow_none=True)
    concepts = fields.List(fields.Dict())
    questions = fields.List(fields.Dict())
    voting = fields.Dict()
    tally = fields.Dict()
    chosen = fields.Dict(allow_none=True)
    contributions = fields.List(fields.Dict())
    last_words = fields.List(fields.Dict())
    reflection = fields.Dict()


class GroundRulesOutSchema(Schema):
    """The link's ground rules."""

    rules = fields.List(fields.String())
    agreed = fields.Boolean()
    updated_at = fields.String(allow_none=True)


class LinksSchema(Schema):
    """The question pairs shown as similar."""

    links = fields.List(fields.List(fields.Integer()))


class TimerOutSchema(Schema):
    """The timer every screen shows (count down from `ends_at` against `server_now`)."""

    timer = fields.Dict()


class StimulusOutSchema(Schema):
    """The stimulus as every screen shows it."""

    stimulus = fields.Dict(allow_none=True)
