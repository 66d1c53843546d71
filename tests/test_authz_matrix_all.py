"""The authorisation matrix for everything: every route and API operation of app.url_map and
every Socket.IO event, against the ten roles of tests.factories.ROLES.

Each area's own matrix (tests/test_authz_matrix.py, tests/moderation/test_access.py,
tests/space/test_api.py, tests/*/test_pages.py ...) checks exact statuses with bodies that
would succeed. This one is the guard over all of them:
- every endpoint and socket event must be classified here with the roles the policy lets
  succeed; a new route or event fails `test_every_route_and_event_is_classified` until it is;
- every role the policy refuses gets no success from any of them: no 2xx, no redirect other
  than to the sign-in page or back with an error message, no socket acknowledgement with ok;
- every role the policy allows gets a success from every read, and is never refused for who
  it is (401, 403, 404, sent to sign in; `forbidden` from a socket) by an unsafe route or a
  socket event called with an empty or scene-shaped body: cells the scene itself refuses are
  named with their reasons (GET_REFUSED_BY_SCENE, UNSAFE_REFUSED_BY_SCENE,
  SOCKET_FORBIDDEN_BY_SCENE);
- no role, allowed or not, gets a server error.
The objects every request names (link, classes, posts, enquiry, live session, event, survey ...)
belong to the standard world's link between classes A and B, in district "Bradford".
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from PIL import Image

from exchange import create_app
from exchange.accounts import services as accounts
from exchange.enquiry import content as enquiry_content
from exchange.enquiry import talk
from exchange.enquiry.models import Step
from exchange.extensions import db, socketio
from exchange.insights import surveys
from exchange.moderation import safeguarding
from exchange.moderation import services as the_rule
from exchange.rooms.events import services as events
from exchange.rooms.events import showcase
from exchange.space import services as space
from exchange.types import utcnow
from tests import factories
from tests.conftest import _config, empty_database, sign_in_client
from tests.enquiry.walk import open_board, walk_to
from tests.security.test_state_machine import _live_session

ROLES = factories.ROLES
STAFF = {"admin", "facilitator", "other_facilitator", "teacher_a", "teacher_b", "teacher_c"}
PUPILS = {"pupil_a", "pupil_b", "pupil_c"}
SIGNED_IN = STAFF | PUPILS
ANYONE = SIGNED_IN | {"anonymous"}
OVERSEERS = {"admin", "facilitator"}
ADMIN = {"admin"}
LINK_TEACHERS = {"teacher_a", "teacher_b"}
LINK_PUPILS = {"pupil_a", "pupil_b"}
LINK_MEMBERS = LINK_TEACHERS | LINK_PUPILS
LINK = LINK_MEMBERS | OVERSEERS
LINK_STAFF = LINK_TEACHERS | OVERSEERS
TEACHER_A = {"teacher_a"}
CLASS_A_STAFF = TEACHER_A | OVERSEERS
TEACHERS = {"teacher_a", "teacher_b", "teacher_c"}
FACILITATORS = {"facilitator", "other_facilitator"}
NOBODY: set[str] = set()


# ----- the policy: who may succeed, per endpoint ---------------------------------------------

# Endpoints whose answer is the same kind of thing for everyone (sign-in steps, public pages,
# a home that redirects each role to its place): nobody's success there reveals or changes
# anything of someone else's.
PUBLIC = {
    "static", "api-docs.openapi_json", "ops.healthz", "ops.readyz", "ops_metrics",
    "accounts.sign_in", "accounts.sign_in_staff", "accounts.sign_in_class",
    "accounts.pupil_names", "accounts.pupil_secret", "accounts.forget_class", "accounts.card",
    "accounts.join", "accounts.accept_invitation", "accounts.old_invitation_link",
    "accounts.two_step_code", "accounts.two_step_enrol", "accounts.home",
    "api_accounts.get_session", "api_accounts.sign_in_staff", "api_accounts.class_for_sign_in",
    "api_accounts.sign_in_pupil", "api_accounts.sign_in_with_card",
    "api_accounts.check_invitation", "api_accounts.accept_invitation",
}  # fmt: skip

POLICY: dict[str, set[str]] = {
    **dict.fromkeys(PUBLIC, ANYONE),
    # ---- signed in: one's own things (session, home, password, lists of one's own) --------
    **dict.fromkeys(
        [
            "accounts.sign_out",
            "api_accounts.sign_out",
            "api_accounts.home",
            "api_accounts.list_districts",
            "enquiry.index",
            "live.index",
            "events.index",
            "insights.index",
            "api_live.list_sessions",
            "api_events.list_events",
            "api_insights.get_template",
            "api_insights.get_thresholds",
            "api_insights.my_surveys",
            "insights.pupil_surveys",
            "moderation.queue_page",
            "api_moderation.get_queue",
            "api_moderation.approve_many",
            "moderation.approve_unflagged",
            "api_moderation.get_counts",
        ],
        SIGNED_IN,
    ),
    **dict.fromkeys(
        [
            "accounts.change_password",
            "api_accounts.change_password",
            "accounts.two_step_account",
            "accounts.two_step_setup",
            "accounts.two_step_off",
            "api_accounts.get_two_step",
            "api_accounts.start_two_step",
            "api_accounts.confirm_two_step",
            "api_accounts.remove_two_step",
            "enquiry.prompts",
            "enquiry.add_prompt",
            "enquiry.update_prompt",
            "enquiry.delete_prompt",
            "api_enquiry.get_prompt_bank",
            "api_enquiry.add_prompt",
            "api_enquiry.update_prompt",
            "api_enquiry.delete_prompt",
        ],
        STAFF,
    ),
    # ---- admins and district overseers -------------------------------------------------------
    **dict.fromkeys(
        [
            "accounts.create_district",
            "api_accounts.create_district",
            "accounts.two_step_admin",
            "accounts.two_step_require",
            "accounts.two_step_reset",
            "api_accounts.require_two_step",
            "api_accounts.reset_two_step",
        ],
        ADMIN,
    ),
    **dict.fromkeys(
        [
            "accounts.district",
            "accounts.create_school",
            "accounts.create_class",
            "accounts.invite_teacher",
            "accounts.invite_facilitator",
            "accounts.create_link",
            "accounts.revoke_invitation",
            "accounts.set_dsl",
            "accounts.assign_teacher",
            "api_accounts.get_district",
            "api_accounts.create_school",
            "api_accounts.create_class",
            "api_accounts.list_staff",
            "api_accounts.set_dsl",
            "api_accounts.list_invitations",
            "api_accounts.invite",
            "api_accounts.revoke_invitation",
            "api_accounts.list_links",
            "api_accounts.create_link",
            "api_accounts.assign_teacher",
            "accounts.update_link",
            "accounts.archive_link",
            "api_accounts.update_link",
            "api_accounts.archive_link",
            "moderation.district_log",
            "moderation.reports_page",
            "moderation.watch_list",
            "moderation.add_watch_words",
            "moderation.remove_watch_word",
            "moderation.approvals",
            "moderation.decide_report",
            "api_moderation.district_log",
            "api_moderation.list_reports",
            "api_moderation.get_watch_words",
            "api_moderation.add_watch_words",
            "api_moderation.remove_watch_word",
            "api_moderation.get_approvals",
            "api_moderation.decide_report",
            "events.update",
            "events.cancel",
            "events.invite",
            "events.uninvite",
            "events.helper",
            "events.run_of_show",
            "events.console",
            "api_events.create_event",
            "api_events.update_event",
            "api_events.cancel_event",
            "api_events.invite",
            "api_events.uninvite",
            "api_events.put_helper",
            "api_events.put_run_of_show",
            "api_events.stage_action",
            "api_events.approve_showcase",
            "api_events.return_showcase",
            "insights.district",
            "insights.report",
            "insights.surveys_page",
            "insights.publish_survey",
            "insights.close_survey",
            "insights.results_csv",
            "api_insights.get_district_health",
            "api_insights.get_report",
            "api_insights.list_surveys",
            "api_insights.publish_survey",
            "api_insights.close_survey",
            "api_insights.get_results_csv",
        ],
        OVERSEERS,
    ),
    # ---- class A (its teacher; its overseers where they manage it) ----------------------------
    **dict.fromkeys(
        [
            "accounts.add_pupil",
            "accounts.unlock_class",
            "accounts.cards_form",
            "accounts.print_cards",
            "accounts.reset_credential",
            "accounts.unlock_pupil",
            "accounts.set_pupil_active",
            "accounts.set_consent",
            "accounts.rename_pupil",
            "accounts.revoke_card",
            # the scene's pending item waits for its own teacher
            "moderation.queue_entry",
            "moderation.approve",
            "moderation.return_item",
            "api_moderation.approve_item",
            "api_moderation.return_item",
            "api_accounts.list_pupils",
            "api_accounts.add_pupil",
            "api_accounts.update_pupil",
            "api_accounts.reset_credential",
            "api_accounts.unlock_pupil",
            "api_accounts.revoke_card",
            "api_accounts.issue_cards",
            "api_accounts.unlock_class",
            "privacy.class_privacy",
            "privacy.delete_pupil",
            "privacy.export_class",
            "api_privacy.delete_pupil",
            "api_privacy.export_class",
            "moderation.class_log",
            "api_moderation.class_log",
        ],
        TEACHER_A,
    ),
    **dict.fromkeys(
        ["accounts.classroom", "api_accounts.get_class"],
        CLASS_A_STAFF,
    ),
    # ---- the link: both classes and the district's overseers ----------------------------------
    **dict.fromkeys(
        [
            "accounts.link",
            "api_accounts.get_link",
            "space.link_space",
            "api_space.get_space",
            "space.post_fragment",
            "space.post_page",
            "space.comment_fragment",
            "api_space.get_post",
            "api_space.get_comment",
            "api_space.get_image",
            "space.mine_fragment",
            "space.older_fragment",
            "enquiry.link_enquiries",
            "enquiry.board",
            "enquiry.print_page",
            "enquiry.stimulus_picture",
            "api_enquiry.link_enquiries",
            "api_enquiry.get_board",
            "api_enquiry.get_ground_rules",
            "api_enquiry.get_tally",
            "api_enquiry.summary",
            "api_enquiry.export",
            "live.session_page",
            "live.calendar_file",
            "live.transcript",
            "live.transcript_export",
            "api_live.get_session",
            "api_live.list_messages",
            "api_live.session_snapshot",
            "api_live.session_calendar",
            "api_live.transcript",
            "moderation.item_page",
            "api_moderation.get_item",
            "insights.link",
            "api_insights.get_link_health",
        ],
        LINK,
    ),
    **dict.fromkeys(
        [
            "space.create_post",
            "api_space.create_post",
            "api_space.upload_images",
            "space.create_comment",
            "api_space.create_comment",
            "space.react",
            "api_space.react_to_post",
            "api_space.unreact_to_post",
            "api_space.react_to_comment",
            "api_space.unreact_to_comment",
            "api_enquiry.raise_hand",
            "api_enquiry.lower_hand",
            "api_enquiry.post_question",
            "api_enquiry.post_concept",
            "api_enquiry.post_clarification",
            "api_enquiry.post_contribution",
            "api_enquiry.post_last_words",
            "api_enquiry.post_reflection",
            "api_enquiry.vote",
            "api_enquiry.unvote",
            "api_enquiry.clear_votes",
            "api_enquiry.thumb",
            "api_enquiry.get_jotting",
            "api_enquiry.put_jotting",
            "api_live.send_message",
            "api_live.raise_hand",
            "api_live.lower_hand",
            "api_live.react",
            "events.shoutout",
            "api_events.send_shoutout",
        ],
        LINK_MEMBERS,
    ),
    **dict.fromkeys(
        [
            "space.edit_post",
            "space.edit_comment",
            "api_space.edit_post",
            "api_space.edit_comment",
            "api_enquiry.edit_item",
        ],
        {"pupil_a"},  # the author
    ),
    **dict.fromkeys(
        [
            "space.withdraw_post",
            "space.withdraw_comment",
            "api_space.withdraw_post",
            "api_space.withdraw_comment",
            "api_moderation.withdraw_item",
            "moderation.withdraw",
        ],
        TEACHER_A,  # a teacher of the author's class
    ),
    **dict.fromkeys(
        [
            "space.hide_post",
            "space.hide_comment",
            "api_space.hide_post",
            "api_space.hide_comment",
            "api_moderation.hide_item",
            "moderation.hide",
            "api_enquiry.hide_item",
        ],
        LINK_TEACHERS,
    ),
    **dict.fromkeys(
        [
            "accounts.confirm_link",
            "api_accounts.confirm_link",
            "enquiry.open_enquiry",
            "enquiry.ground_rules",
            "api_enquiry.open_enquiry",
            "api_enquiry.put_ground_rules",
            "api_enquiry.move_step",
            "api_enquiry.pause",
            "api_enquiry.timer",
            "api_enquiry.put_stimulus",
            "api_enquiry.post_picture",
            "api_enquiry.post_prompt",
            "api_enquiry.next_speaker",
            "api_enquiry.put_voting",
            "api_enquiry.open_voting",
            "api_enquiry.close_voting",
            "api_enquiry.choose",
            "api_enquiry.close",
            "api_enquiry.park",
            "api_enquiry.reword",
            "api_enquiry.sort",
            "api_enquiry.link",
            "api_enquiry.merge",
            "api_enquiry.create_group",
            "api_enquiry.update_group",
            "api_enquiry.delete_group",
            "api_enquiry.approve_item",
            "api_enquiry.return_item",
            "live.schedule",
            "live.confirm",
            "live.cancel",
            "live.edit",
            "api_live.schedule_session",
            "api_live.confirm_session",
            "api_live.cancel_session",
            "api_live.reschedule_session",
            "api_live.end_session",
            "api_live.pause_chat",
            "api_live.set_segment",
            "api_live.set_stage",
            "api_live.live_queue",
            "api_live.approve_message",
            "api_live.return_message",
            "api_live.teacher_messages",
            "api_live.send_teacher_message",
            "insights.checklist",
            "insights.report_work",
            "insights.link_voice",
            "api_insights.tick_step",
            "api_insights.untick_step",
            "api_insights.get_voice",
            "api_insights.get_report_work",
            "api_insights.choose_work",
            "api_insights.unchoose_work",
        ],
        LINK_STAFF,
    ),
    # ---- celebration events: invited classes, their teachers, the host --------------------
    **dict.fromkeys(
        [
            "events.show",
            "events.calendar",
            "events.screen",
            "events.souvenir",
            "events.showcase_page",
            "api_events.get_event",
            "api_events.get_souvenir",
            "api_events.get_stage",
            "api_events.list_shoutouts",
            "api_events.list_showcase",
        ],
        LINK,
    ),
    **dict.fromkeys(
        [
            "events.answer",
            "events.showcase_choose",
            "events.showcase_new",
            "events.showcase_decide",
            "events.decide_item",
            "api_events.answer",
            "api_events.add_showcase",
            "api_events.choose_showcase",
            "api_events.withdraw_showcase",
            "api_events.staff_messages",
            "api_events.post_staff_message",
        ],
        LINK_STAFF,
    ),
    # ---- surveys and safeguarding ----------------------------------------------------------
    **dict.fromkeys(
        ["insights.pupil_survey", "insights.answer_survey", "api_insights.answer_survey"],
        SIGNED_IN,
    ),
    **dict.fromkeys(
        [
            "moderation.safeguarding_log",
            "moderation.concern_page",
            "moderation.acknowledge_concern",
            "api_moderation.list_concerns",
            "api_moderation.get_concern",
            "api_moderation.acknowledge_concern",
        ],
        TEACHERS | OVERSEERS | FACILITATORS,  # the school's lead only, checked in moderation
    ),
}


# Decided per endpoint where the groups above do not fit.
POLICY.update(
    {
        # each viewer's own list: what waits for *their* decision (empty for everyone else)
        "api_events.pending": LINK,
        "space.waiting_fragment": LINK,
        # teachers see their district's survey figures (no figure under 5 answers)
        "api_insights.get_results": OVERSEERS | TEACHERS,
        "events.new": ADMIN | FACILITATORS,
        "live.class_sessions": CLASS_A_STAFF | {"pupil_a"},
        # any teacher raises a concern to their own school's lead
        "moderation.new_concern": TEACHERS | OVERSEERS,
        "moderation.raise_concern": TEACHERS | OVERSEERS,
        "api_moderation.raise_concern": TEACHERS | OVERSEERS,
    }
)

# Narrower than the group they sit in: proven by each role's answer to the read (GET) and
# held for the endpoint's unsafe twins, so a refused role's success there is caught too.
POLICY.update(
    {
        # surveys are answered by the pupils of linked classes only; staff publish and read
        **dict.fromkeys(["insights.pupil_surveys"], PUPILS),
        **dict.fromkeys(
            ["insights.pupil_survey", "insights.answer_survey", "api_insights.answer_survey"],
            LINK_PUPILS,
        ),
        # a concern goes to the school's safeguarding lead, who plays no role in this cast
        # (tests/moderation checks the lead); nobody else sees or acknowledges it
        **dict.fromkeys(
            [
                "moderation.safeguarding_log",
                "moderation.concern_page",
                "moderation.acknowledge_concern",
                "api_moderation.list_concerns",
                "api_moderation.get_concern",
                "api_moderation.acknowledge_concern",
            ],
            NOBODY,
        ),
        # only teachers raise concerns (to their own school's lead)
        **dict.fromkeys(
            ["moderation.new_concern", "moderation.raise_concern", "api_moderation.raise_concern"],
            TEACHERS,
        ),
        # a moderation queue belongs to teachers and facilitators (their district's reports)
        **dict.fromkeys(
            ["moderation.queue_page", "api_moderation.get_queue"], TEACHERS | FACILITATORS
        ),
        # the scene's pending item: only its own teacher sees it before approval
        **dict.fromkeys(["moderation.item_page", "api_moderation.get_item"], TEACHER_A),
        # the prompt bank is a teacher's own
        **dict.fromkeys(
            [
                "enquiry.prompts",
                "enquiry.add_prompt",
                "enquiry.update_prompt",
                "enquiry.delete_prompt",
                "api_enquiry.get_prompt_bank",
                "api_enquiry.add_prompt",
                "api_enquiry.update_prompt",
                "api_enquiry.delete_prompt",
            ],
            TEACHERS,
        ),
        # a pupil's jotting is their own; the enquiry summary is for staff
        **dict.fromkeys(["api_enquiry.get_jotting", "api_enquiry.put_jotting"], LINK_PUPILS),
        "api_enquiry.summary": LINK_STAFF,
        # linking health is for staff; choosing the report's work is the link's teachers'
        **dict.fromkeys(["insights.link", "api_insights.get_link_health"], LINK_STAFF),
        **dict.fromkeys(
            [
                "api_insights.get_report_work",
                "api_insights.choose_work",
                "api_insights.unchoose_work",
            ],
            LINK_TEACHERS,
        ),
        # live sessions are the two classes' own: overseers are not in the room
        **dict.fromkeys(["api_live.list_messages", "api_live.session_snapshot"], LINK_MEMBERS),
        **dict.fromkeys(
            [
                "api_live.live_queue",
                "api_live.teacher_messages",
                "api_live.send_teacher_message",
                "live.calendar_file",
                "api_live.session_calendar",
                "live.transcript",
                "live.transcript_export",
                "api_live.transcript",
                "live.schedule",
                "live.cancel",
                "live.edit",
            ],
            LINK_TEACHERS,
        ),
        # the host runs the event's console; invited classes' staff add it to a calendar
        "events.console": {"facilitator"},
        "events.calendar": LINK_STAFF,
    }
)

# Narrowed from the unsafe routes' answers to allowed roles (an authorisation refusal where
# the policy expected a success, or a complaint about the empty body).
POLICY.update(
    {
        # running an enquiry and a live session, confirming a link: the link's teachers, not
        # the district's overseers
        **dict.fromkeys(
            [
                "accounts.confirm_link",
                "api_accounts.confirm_link",
                "enquiry.open_enquiry",
                "enquiry.ground_rules",
                "api_enquiry.open_enquiry",
                "api_enquiry.close",
                "api_enquiry.open_voting",
                "api_enquiry.close_voting",
                "api_enquiry.next_speaker",
                "api_enquiry.park",
                "api_enquiry.post_picture",
                "api_enquiry.post_prompt",
                "api_enquiry.sort",
                "api_enquiry.delete_group",
                "live.confirm",
                "api_live.confirm_session",
                "api_live.cancel_session",
                "api_live.end_session",
                "api_live.set_stage",
                "api_insights.tick_step",
                "api_insights.untick_step",
            ],
            LINK_TEACHERS,
        ),
        # hands up and votes are pupils'; clearing votes is their teachers'
        **dict.fromkeys(
            ["api_enquiry.raise_hand", "api_enquiry.unvote", "api_live.raise_hand"], LINK_PUPILS
        ),
        "api_enquiry.clear_votes": LINK_TEACHERS,
        "accounts.invite_facilitator": ADMIN,
        "moderation.approve_unflagged": STAFF,
        # a showcase entry is withdrawn by its own class's teacher
        "api_events.withdraw_showcase": TEACHER_A,
        # a prompt is changed or removed by the teacher who wrote it (teacher A in the scene)
        **dict.fromkeys(
            [
                "enquiry.update_prompt",
                "enquiry.delete_prompt",
                "api_enquiry.update_prompt",
                "api_enquiry.delete_prompt",
            ],
            TEACHER_A,
        ),
    }
)


# Reads an allowed role is refused for a reason of the scene, not of the policy (each named).
SIGN_IN_STEPS = [
    # each needs the step before it in the same browser (a class code, a pending password)
    "accounts.pupil_names",
    "accounts.pupil_secret",
    "accounts.two_step_code",
    "accounts.two_step_enrol",
    "accounts.old_invitation_link",  # refused (410) for everyone: the token left the URL
]
GET_REFUSED_BY_SCENE: dict[str, set[str]] = {
    **dict.fromkeys(SIGN_IN_STEPS, set(ROLES)),
    "accounts.home": {"anonymous"},  # sent to sign in: home is one's own place
    # the scene's event has not ended, so it has no souvenir yet
    **dict.fromkeys(["events.souvenir", "api_events.get_souvenir"], LINK),
    "events.calendar": {"teacher_b"},  # class B has not accepted the invitation
    "enquiry.stimulus_picture": LINK,  # the scene's stimulus has no picture
    "live.edit": LINK_TEACHERS,  # a confirmed session is changed by cancelling it
    # the scene's comment is hidden by a report: its pupils no longer see it
    **dict.fromkeys(["space.comment_fragment", "api_space.get_comment"], LINK_PUPILS),
    "space.edit_comment": {"pupil_a"},
}

# Unsafe routes an allowed role is refused with an authorisation answer (401, 403, 404, or
# sent to sign in) for a reason of the scene or of the empty body, not of the policy.
UNSAFE_REFUSED_BY_SCENE: dict[str, set[str]] = {
    **dict.fromkeys(SIGN_IN_STEPS, set(ROLES)),
    # signing out, or forgetting the class code, ends at the sign-in page: their success
    **dict.fromkeys(["accounts.sign_out", "accounts.forget_class"], set(ROLES)),
    "accounts.accept_invitation": set(ROLES),  # the token travels in the body, empty here
    "accounts.assign_teacher": OVERSEERS,  # the body names the teacher
    "moderation.remove_watch_word": OVERSEERS,  # the body names the word
    "insights.report_work": LINK_STAFF,  # the body names the work
    # the scene's pending item is a post, not a live message or an enquiry item, and its
    # partner class cannot see it before approval
    **dict.fromkeys(["api_live.approve_message", "api_enquiry.approve_item"], LINK_STAFF),
    "moderation.hide": {"teacher_b"},
    "api_enquiry.delete_group": LINK_TEACHERS,  # the scene's enquiry has no groups
    # the scene's comment is hidden by a report; work is chosen by the author's teacher
    **dict.fromkeys(["api_space.react_to_comment", "api_space.unreact_to_comment"], LINK_PUPILS),
    "space.edit_comment": {"pupil_a"},
    **dict.fromkeys(["api_insights.choose_work", "api_insights.unchoose_work"], {"teacher_b"}),
    "space.react": {"pupil_b", "teacher_b"},  # the form names the reaction
}


# ----- the scene every request names -----------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def build_scene() -> dict[str, Any]:
    """The world plus one of everything, all in the link between classes A and B."""
    world = factories.make_world()
    post = space.create_post(
        world.pupil_a,
        world.link.id,
        space.PostDraft(title="Our street", text="We live near a park."),
        [space.Upload("p.png", io.BytesIO(_png()))],
    )
    the_rule.approve(world.teacher_a, post.item_id, photos_confirmed=True)
    comment = space.create_comment(world.pupil_a, post.id, "Come and visit!")
    the_rule.approve(world.teacher_a, comment.item_id)
    pending = space.create_post(
        world.pupil_a, world.link.id, space.PostDraft(title="Draft", text="Not yet.")
    )
    enquiry = open_board(world)
    walk_to(world, enquiry, Step.QUESTIONS)
    question_item = enquiry_content.submit_question(world.pupil_a, enquiry.id, "Is it fair?")
    enquiry_content.approve_item(world.teacher_a, enquiry.id, question_item.id)
    from exchange.enquiry.models import Question

    question = db.session.query(Question).filter_by(item_id=question_item.id).one()
    prompt = talk.add_prompt(world.teacher_a, "Can you give an example?")
    session = _live_session(world)
    starts = utcnow() + timedelta(days=3)
    event = events.create_event(
        world.facilitator,
        title="Summer celebration",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        description="Our year",
    )
    events.invite(world.facilitator, event.id, link_ids=[world.link.id])
    events.answer_invitation(world.teacher_a, event.id, world.class_a.id, True)
    show = showcase.add_new_showcase(world.teacher_a, event.id, title="Poem", text="Rain")
    survey = surveys.publish(world.facilitator, world.district.id, "before")
    report = the_rule.hide_and_report(world.teacher_b, comment.item_id, "Unkind")
    concern = safeguarding.raise_concern(world.teacher_a, "Worried", pupil_id=world.pupil_a.id)
    invitation, token = accounts.invite_staff(
        world.facilitator, world.district.id, "invitee@example.org", school_id=world.school_a.id
    )
    db.session.commit()
    ids = {
        "district_id": world.district.id,
        "school_id": world.school_a.id,
        "classroom_id": world.class_a.id,
        "class_id": world.class_a.id,
        "link_id": world.link.id,
        "pupil_id": world.pupil_a.id,
        "user_id": world.teacher_a.id,
        "invitation_id": invitation.id,
        "token": token,
        "post_id": post.id,
        "post_item_id": post.item_id,
        "comment_id": comment.id,
        "item_id": pending.item_id,
        "image_id": post.images[0].id,
        "size": "thumb",
        "reaction": "star",
        "enquiry_id": enquiry.id,
        "question_id": question.id,
        "group_id": 1,
        "prompt_id": prompt.id,
        "session_id": session.id,
        "fmt": "txt",
        "event_id": event.id,
        "showcase_id": show.id,
        "decision": "approve",
        "survey_id": survey.id,
        "report_id": report.id,
        "concern_id": concern.id,
        "step": "ground_rules",
        "filename": "css/app.css",
    }
    return {"world": world, "ids": ids}


class SceneSnapshot:
    """The scene as built, every row and uploaded file, put back before each unsafe route: the
    same fresh scene as building it again (same ids), for a fraction of the cost."""

    def __init__(self, scene: dict[str, Any], uploads: Path, saved_uploads: Path) -> None:
        """Copy every table's rows and the upload folder, and note which account plays whom."""
        db.session.commit()
        self.ids = scene["ids"]
        world = scene["world"]
        self.accounts = {
            role: (type(world.actor(role)), world.actor(role).id)
            for role in ROLES
            if role != "anonymous"
        }
        with db.engine.connect() as conn:
            self.rows = {
                table: [
                    dict(row)
                    for row in conn.execute(
                        table.select().order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in db.metadata.sorted_tables
            }
        self.uploads = uploads
        self.saved_uploads = saved_uploads
        shutil.copytree(uploads, saved_uploads)

    def restore(self) -> dict[str, Any]:
        """Empty the database, put the scene's rows and files back; the scene with fresh actors."""
        empty_database()
        with db.engine.begin() as conn:
            for table, rows in self.rows.items():
                if rows:
                    conn.execute(table.insert(), rows)
            if conn.dialect.name == "postgresql":  # empty_database() reset the sequences
                for table in self.rows:
                    if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                        conn.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'COALESCE(MAX(id), 0) + 1, false) FROM "{table.name}" '
                            f"HAVING pg_get_serial_sequence('\"{table.name}\"', 'id') IS NOT NULL"
                        )
        shutil.rmtree(self.uploads, ignore_errors=True)
        shutil.copytree(self.saved_uploads, self.uploads)
        actors = {role: db.session.get(kind, id_) for role, (kind, id_) in self.accounts.items()}
        return {"world": _Actors(actors), "ids": self.ids}


@dataclass
class _Actors:
    """The scene's accounts by role name, as World.actor gives them."""

    by_role: dict[str, Any]

    def actor(self, role: str) -> Any:
        """The account playing `role` (None: anonymous)."""
        return self.by_role.get(role)


# ----- calling ---------------------------------------------------------------------------------

PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def url_for_rule(rule: Any, ids: dict[str, Any]) -> str:
    """The rule's path with the scene's ids in it."""
    return PARAM.sub(lambda m: str(ids[m.group(1)]), rule.rule)


@dataclass
class Answer:
    """What a role got: status, where a redirect went, and an error message flashed."""

    status: int
    location: str
    flashed_error: bool

    @property
    def success(self) -> bool:
        """A 2xx, or a redirect that is neither to sign in nor back with an error."""
        if 200 <= self.status < 300:
            return True
        if 300 <= self.status < 400:
            return not self.location.startswith("/sign-in") and not self.flashed_error
        return False


def call(app: Flask, actor: Any, method: str, url: str) -> Answer:
    """One request with an empty body (JSON for the API, a form for pages)."""
    g.pop("_login_user", None)
    browser = sign_in_client(app, actor)
    if url.startswith("/api/") and method != "GET":
        response = browser.open(url, method=method, json={})
    else:
        response = browser.open(url, method=method, data={})
    with browser.session_transaction() as sess:
        flashes = sess.get("_flashes", [])
    flashed = any(category == "error" for category, _ in flashes)
    return Answer(response.status_code, response.headers.get("Location", ""), flashed)


@pytest.fixture(scope="module")
def matrix_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app for the whole matrix."""
    app = create_app(_config(database_url, tmp_path_factory.mktemp("uploads")))
    app.config["LIVE_RATE_CHAT"] = (10_000, 0.001)
    with app.app_context():
        yield app
        empty_database()


def _routes(app: Flask) -> list[tuple[str, str, Any]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, rule))
    return sorted(out, key=lambda r: (r[0], r[1]))


def test_every_route_and_event_is_classified(matrix_app):
    """A new page, API operation or socket event must be classified here."""
    missing = [f"{m} {r.rule} ({e})" for e, m, r in _routes(matrix_app) if e not in POLICY]
    missing += [f"socket {e}" for e in socket_events() if e not in SOCKET_POLICY]
    assert not missing, "\n".join(missing)
    assert not set(POLICY) - {e for e, _m, _r in _routes(matrix_app)}, "stale entries"


def test_no_route_gives_a_refused_role_a_success_or_anyone_a_server_error(matrix_app, tmp_path):
    """GETs on one scene; each unsafe route on a fresh scene, refused roles first (an allowed
    role's success may change the scene)."""
    unexpected, errors, denied = [], [], []
    scene = build_scene()
    snapshot = SceneSnapshot(scene, Path(matrix_app.config["UPLOAD_DIR"]), tmp_path / "uploads")
    routes = _routes(matrix_app)
    for endpoint, method, rule in routes:
        if method != "GET":
            continue
        _check(matrix_app, scene, endpoint, method, rule, unexpected, errors, denied)
    for endpoint, method, rule in routes:
        if method == "GET":
            continue
        scene = snapshot.restore()
        _check(matrix_app, scene, endpoint, method, rule, unexpected, errors, denied)
    assert not errors, "server errors:\n" + "\n".join(errors)
    assert not unexpected, "unexpected successes:\n" + "\n".join(unexpected)
    assert not denied, "allowed by the policy, refused by the app:\n" + "\n".join(denied)


def _check(
    app: Flask,
    scene: dict[str, Any],
    endpoint: str,
    method: str,
    rule: Any,
    unexpected: list[str],
    errors: list[str],
    denied: list[str],
) -> None:
    allowed = POLICY[endpoint]
    url = url_for_rule(rule, scene["ids"])
    order = [r for r in ROLES if r not in allowed] + [r for r in ROLES if r in allowed]
    for role in order:
        answer = call(app, scene["world"].actor(role), method, url)
        if answer.status >= 500:
            errors.append(f"{method} {url} as {role}: {answer.status}")
        elif role not in allowed and answer.success:
            unexpected.append(f"{method} {url} as {role}: {answer.status} {answer.location}")
        elif (
            role in allowed
            and method == "GET"
            and not answer.success
            and role not in GET_REFUSED_BY_SCENE.get(endpoint, ())
        ):
            # Reads need no body, so an allowed role's refusal is the policy's cell gone wrong.
            # (Unsafe routes are called with empty bodies, which allowed roles see refused as
            # invalid: their successes are proven by each area's matrix with real bodies.)
            denied.append(f"{method} {url} as {role}: {answer.status} {answer.location}")
        elif (
            role in allowed
            and method != "GET"
            and (answer.status in (401, 403, 404) or answer.location.startswith("/sign-in"))
            and role not in UNSAFE_REFUSED_BY_SCENE.get(endpoint, ())
        ):
            # An empty body may be refused as invalid (400, 422) or bounce back with an error
            # message, but not as a question of who is asking.
            denied.append(f"{method} {url} as {role}: {answer.status} {answer.location}")
        elif method == "GET" and answer.success and role in GET_REFUSED_BY_SCENE.get(endpoint, ()):
            denied.append(f"{method} {url} as {role}: succeeds, so GET_REFUSED_BY_SCENE is stale")


# ----- Socket.IO events ------------------------------------------------------------------------

# Who may get `ok` from each event (payloads below name the scene's objects).
SOCKET_POLICY: dict[str, set[str]] = {
    "connect": SIGNED_IN,
    "disconnect": SIGNED_IN,
    "subscribe": LINK,
    "unsubscribe": SIGNED_IN,
    "approve_item": TEACHER_A,
    "return_item": TEACHER_A,
    "send_comment": LINK_MEMBERS,
    "react": LINK_MEMBERS,
    "set_reaction": LINK_MEMBERS,
    **dict.fromkeys(
        [
            "enquiry_raise_hand",
            "enquiry_lower_hand",
            "enquiry_cast_vote",
            "enquiry_withdraw_vote",
            "enquiry_save_jotting",
            "enquiry_send_clarification",
            "enquiry_send_concept",
            "enquiry_send_contribution",
            "enquiry_send_last_words",
            "enquiry_send_question",
            "enquiry_send_reflection",
            "enquiry_set_thumb",
        ],
        LINK_MEMBERS,
    ),
    **dict.fromkeys(
        [
            "enquiry_call_next",
            "enquiry_move_step",
            "enquiry_pause",
            "enquiry_post_prompt",
            "enquiry_set_timer",
        ],
        LINK_TEACHERS,
    ),
    **dict.fromkeys(
        [
            "live_join",
            "live_leave",
            "live_send_message",
            "live_raise_hand",
            "live_lower_hand",
            "live_react",
        ],
        LINK_MEMBERS,
    ),  # fmt: skip
    **dict.fromkeys(
        [
            "live_approve",
            "live_return",
            "live_queue",
            "live_pause_chat",
            "live_goto_segment",
            "live_show_on_stage",
            "live_end_session",
            "live_send_teacher_message",
        ],
        LINK_TEACHERS,
    ),  # fmt: skip
    "join_event": LINK,
    "leave_event": SIGNED_IN,  # leaving a room one is not in changes nothing
    "send_shoutout": LINK_MEMBERS,
    "send_staff_message": LINK_STAFF,
    "stage_action": OVERSEERS,
}


# Narrower than the groups above, as the handlers decide by role (each answers `forbidden`).
SOCKET_POLICY.update(
    {
        # pupils' own part of an enquiry and of a live session
        **dict.fromkeys(
            [
                "enquiry_cast_vote",
                "enquiry_withdraw_vote",
                "enquiry_raise_hand",
                "enquiry_save_jotting",
                "enquiry_send_clarification",
                "enquiry_send_last_words",
                "enquiry_send_reflection",
                "enquiry_set_thumb",
                "live_raise_hand",
            ],
            LINK_PUPILS,
        ),
        # one joins an event as one's own invited class: only class A accepted in the scene
        "join_event": {"teacher_a", "pupil_a"},
        "stage_action": {"facilitator"},  # the event's host runs its stage
    }
)


def socket_events() -> list[str]:
    """Every event registered on the default namespace."""
    return sorted(socketio.server.handlers.get("/", {}))


def socket_schema(event: str) -> Any:
    """The marshmallow schema a socket command validates with (found in its closure)."""
    from marshmallow import Schema

    def search(fn: Any, depth: int) -> Any:
        cells = [c.cell_contents for c in (getattr(fn, "__closure__", None) or ())]
        for value in cells:
            if isinstance(value, type) and issubclass(value, Schema):
                return value
        for value in cells:
            if callable(value) and depth < 4 and (found := search(value, depth + 1)):
                return found
        return None

    return search(socketio.server.handlers["/"][event], 0)


def socket_payload(event: str, ids: dict[str, Any]) -> dict[str, Any]:
    """A payload naming the scene's objects, with just the fields the event's schema has
    (schemas refuse unknown fields, which would make every role's refusal meaningless)."""
    values = {
        "session_id": ids["session_id"],
        "enquiry_id": ids["enquiry_id"],
        "event_id": ids["event_id"],
        "item_id": ids["item_id"],
        "post_id": ids["post_id"],
        "classroom_id": ids["classroom_id"],
        "stream": f"link:{ids['link_id']}",
        "text": "Hello",
        "reaction": "star",
        "feedback": "Say more",
        "question_id": ids["question_id"],
        "move": "example",
        "direction": "next",
        "from_step": Step.QUESTIONS.value,
        "paused": True,
        "action": "start",
        "position": 1,
        "value": "up",
        "on": True,
        "seconds": 60,
        "photos_confirmed": True,
    }
    if event in ("set_reaction",):
        values["item_id"] = ids["post_item_id"]
    schema = socket_schema(event)
    if schema is None:
        return {k: values[k] for k in ("event_id", "session_id", "reaction")}
    return {name: values[name] for name in schema().fields if name in values}


# Events an allowed role is refused as `forbidden` for a reason of the scene, not of its role.
SOCKET_FORBIDDEN_BY_SCENE: dict[str, set[str]] = {
    "react": LINK_MEMBERS,  # an event's reactions come from a socket that joined it first
}


def test_no_socket_event_gives_a_refused_role_ok(matrix_app):
    """Each event on a fresh scene, refused roles first; anonymous sockets are refused. Then
    the allowed roles: one may be refused for the scene's state (the board's step, nothing to
    approve) or a payload that does not fit it, but never as `forbidden`, which would mean
    the policy and the handler disagree about who may act."""
    g.pop("_login_user", None)
    assert not socketio.test_client(matrix_app).is_connected(), "anonymous sockets refused"
    unexpected: list[str] = []
    denied: list[str] = []
    for event in socket_events():
        if event in ("connect", "disconnect"):
            continue
        empty_database()
        scene = build_scene()
        allowed = SOCKET_POLICY[event]
        for role in [r for r in ROLES if r != "anonymous" and r not in allowed]:
            ack = _emit(matrix_app, scene, role, event)
            if isinstance(ack, dict) and ack.get("ok"):
                unexpected.append(f"{event} as {role}: {ack}")
        for role in sorted(allowed - SOCKET_FORBIDDEN_BY_SCENE.get(event, set())):
            ack = _emit(matrix_app, scene, role, event)
            if isinstance(ack, dict) and ack.get("error") == "forbidden":
                denied.append(f"{event} as {role}: {ack}")
    assert not unexpected, "\n".join(unexpected)
    assert not denied, "allowed by the policy, forbidden by the handler:\n" + "\n".join(denied)


def _emit(app: Flask, scene: dict[str, Any], role: str, event: str) -> Any:
    g.pop("_login_user", None)
    browser = sign_in_client(app, scene["world"].actor(role))
    sock = socketio.test_client(app, flask_test_client=browser)
    try:
        g.pop("_login_user", None)
        return sock.emit(event, socket_payload(event, scene["ids"]), callback=True)
    finally:
        if sock.is_connected():
            sock.disconnect()


__all__: list[Callable[..., Any]] = []
