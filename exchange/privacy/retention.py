"""Deleting children's data completely: a pupil with everything they wrote, an archived link after
its district's retention period. Files in uploads/ go with their rows.

Deletion follows the schema itself, so tables added later are covered without being listed here:
starting from the rows to delete, every row that references them (by foreign key, or by an actor
key column such as `actor_key` / `owner_key` holding "pupil:<id>") is deleted too, recursively.
Only audit and safeguarding records outlive what they mention: their references are set to NULL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update

from exchange.accounts.models import Classroom, District, Link, LinkStatus, Pupil, User
from exchange.accounts.sessions import note_account_change
from exchange.extensions import db
from exchange.types import utcnow

# Records kept for accountability after what they mention is gone (reference set to NULL).
KEEP_AND_NULL = {"audit_entry", "safeguarding_concern"}
# Columns that may hold "pupil:<id>" (matched by exact value, so generic names are safe).
ACTOR_KEY_COLUMNS = ("actor_key", "owner_key", "author_key", "voter_key", "key")
# Columns holding keys of files in uploads/, by table (columns may also say so with
# info={"stored_file": True}).
FILE_COLUMNS: dict[str, tuple[str, ...]] = {"post_image": ("key", "thumb_key")}


@dataclass
class Closure:
    """Every row to delete (by table and primary key) and every reference to clear."""

    rows: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    nulls: list[tuple[str, str, set[Any]]] = field(default_factory=list)

    def count(self) -> int:
        """How many rows will go."""
        return sum(len(ids) for ids in self.rows.values())


def _tables() -> dict[str, Table]:
    return {t.name: t for t in db.metadata.sorted_tables}


def _pk(table: Table) -> Any:
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def collect(table_name: str, ids: set[Any], actor_keys: set[str] | None = None) -> Closure:
    """Everything that must go with these rows (breadth-first over the references)."""
    tables = _tables()
    closure = Closure()
    queue: list[tuple[str, set[Any]]] = [(table_name, set(ids))]
    if actor_keys:
        for table in tables.values():
            pk = _pk(table)
            for name in ACTOR_KEY_COLUMNS:
                if pk is not None and name in table.c:
                    found = set(db.session.scalars(select(pk).where(table.c[name].in_(actor_keys))))
                    if found:
                        queue.append((table.name, found))
    while queue:
        name, wanted = queue.pop()
        new = wanted - closure.rows[name]
        if not new:
            continue
        closure.rows[name] |= new
        for child in tables.values():
            for fk in child.foreign_keys:
                if fk.column.table.name != name:
                    continue
                column = fk.parent
                if child.name in KEEP_AND_NULL:
                    closure.nulls.append((child.name, column.name, set(new)))
                    continue
                pk = _pk(child)
                if pk is None:  # an association table: its rows go, nothing references them
                    closure.nulls.append((child.name, f"delete:{column.name}", set(new)))
                    continue
                refs = set(db.session.scalars(select(pk).where(column.in_(new))))
                if refs:
                    queue.append((child.name, refs))
    return closure


def file_keys(closure: Closure) -> list[str]:
    """Keys of the uploaded files held by rows about to be deleted."""
    tables = _tables()
    keys: list[str] = []
    for name, ids in closure.rows.items():
        table = tables[name]
        columns = [c for c in table.c if c.info.get("stored_file")]
        columns += [table.c[c] for c in FILE_COLUMNS.get(name, ()) if c in table.c]
        pk = _pk(table)
        if not columns or pk is None or not ids:
            continue
        for row in db.session.execute(select(*columns).where(pk.in_(ids))):
            keys.extend(value for value in row if value)
    return keys


def execute(closure: Closure) -> None:
    """Delete the closure (in the current transaction): clear references first, then children
    before parents; references inside the closure that could form a cycle are cleared first."""
    tables = _tables()
    for name, column, ids in closure.nulls:
        table = tables[name]
        if column.startswith("delete:"):
            col = table.c[column.split(":", 1)[1]]
            db.session.execute(delete(table).where(col.in_(ids)))
        else:
            db.session.execute(update(table).where(table.c[column].in_(ids)).values({column: None}))
    for name, ids in closure.rows.items():
        table, pk = tables[name], _pk(tables[name])
        for fk in table.foreign_keys:
            if fk.parent.nullable and fk.column.table.name in closure.rows and ids:
                db.session.execute(update(table).where(pk.in_(ids)).values({fk.parent.name: None}))
    if any(closure.rows.get(model.__table__.name) for model in (Pupil, User, Classroom)):
        # Deleted below with Core statements, which the ORM's account hook never sees.
        note_account_change()
    for table in reversed(db.metadata.sorted_tables):
        ids = closure.rows.get(table.name)
        if ids:
            pk = _pk(table)
            for chunk in _chunks(sorted(ids, key=str), 500):
                db.session.execute(
                    delete(table).where(pk.in_(bindparam("ids", expanding=True))), {"ids": chunk}
                )


def _chunks(values: list[Any], size: int) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def delete_files(keys: list[str]) -> None:
    """Remove files after the rows are gone (a missing file is not an error)."""
    from exchange.space.storage import get_storage

    storage = get_storage()
    for key in keys:
        storage.delete(key)


@dataclass
class PurgeResult:
    """What a purge removed."""

    links: int = 0
    rows: int = 0
    files: int = 0


def purge_link(link: Link) -> tuple[PurgeResult, list[str]]:
    """Delete a link and everything shared in it, files included (caller commits)."""
    closure = collect("link", {link.id})
    keys = file_keys(closure)
    execute(closure)
    return PurgeResult(links=1, rows=closure.count(), files=len(keys)), keys


def expired_links(now: datetime | None = None) -> list[Link]:
    """Archived links whose district's retention period has run out."""
    now = now or utcnow()
    links = db.session.scalars(
        select(Link).where(Link.status == LinkStatus.ARCHIVED, Link.archived_at.is_not(None))
    )
    due = []
    for link in links:
        district = db.session.get(District, link.district_id)
        days = district.retention_days if district else 30
        if link.archived_at + timedelta(days=days) <= now:
            due.append(link)
    return due


def purge_expired(now: datetime | None = None) -> PurgeResult:
    """The daily job: purge every archived link past retention. Commits; files go after commit."""
    total = PurgeResult()
    all_keys: list[str] = []
    for link in expired_links(now):
        result, keys = purge_link(link)
        total.links += result.links
        total.rows += result.rows
        total.files += result.files
        all_keys.extend(keys)
    db.session.commit()
    delete_files(all_keys)
    return total


def delete_pupil_everywhere(pupil: Pupil) -> PurgeResult:
    """Delete a pupil and every row they wrote or that mentions them; commits, then files go.

    Screens showing the pupil's approved work are told to drop it (item_removed).
    """
    _announce_removals(pupil)
    closure = collect("pupil", {pupil.id}, actor_keys={pupil.actor_key})
    keys = file_keys(closure)
    execute(closure)
    db.session.commit()
    delete_files(keys)
    return PurgeResult(rows=closure.count(), files=len(keys))


def _announce_removals(pupil: Pupil) -> None:
    from exchange import realtime
    from exchange.moderation.models import ItemState, ModerationItem
    from exchange.moderation.services import channel_for

    items = db.session.scalars(
        select(ModerationItem).where(
            ModerationItem.author_pupil_id == pupil.id,
            ModerationItem.state == ItemState.APPROVED,
        )
    )
    for item in items:
        payload = {"item_id": item.id, "item_kind": item.kind.value, "reason": "deleted"}
        for stream in channel_for(item).streams(item):
            realtime.publish(stream, "item_removed", payload, link_id=item.link_id, item_ref=False)
