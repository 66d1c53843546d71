"""Services of the space area: posts, pictures, comments, reactions and teachers' actions.

Every post and comment goes through the approval rule (exchange.moderation.services): these
modules check the content, keep pictures safe and hand the rule the text to scan. Pictures are
uploaded first and belong to their uploader until the post is sent, so a refused file never
costs a pupil their text or their other pictures. Callers use this package's names.
"""

from exchange.space.services.actions import hide_item, withdraw_item
from exchange.space.services.comments import create_comment, edit_comment
from exchange.space.services.lookup import (
    can_see_comment,
    can_see_post,
    editable_comment,
    editable_post,
    get_comment,
    get_link,
    get_post,
    get_space_item,
)
from exchange.space.services.pictures import (
    STAGED_LIFETIME,
    STAGED_MAX,
    Upload,
    open_image,
    purge_staged,
    stage_images,
    staged_view,
)
from exchange.space.services.posts import DraftRefused, PostDraft, create_post, edit_post
from exchange.space.services.reactions import (
    my_reactions,
    reaction_counts,
    reactions_for,
    set_reaction,
)

__all__ = [
    "STAGED_LIFETIME",
    "STAGED_MAX",
    "DraftRefused",
    "PostDraft",
    "Upload",
    "can_see_comment",
    "can_see_post",
    "create_comment",
    "create_post",
    "edit_comment",
    "edit_post",
    "editable_comment",
    "editable_post",
    "get_comment",
    "get_link",
    "get_post",
    "get_space_item",
    "hide_item",
    "my_reactions",
    "open_image",
    "purge_staged",
    "reaction_counts",
    "reactions_for",
    "set_reaction",
    "stage_images",
    "staged_view",
    "withdraw_item",
]
