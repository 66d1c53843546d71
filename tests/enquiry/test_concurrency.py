"""Many pupils voting at the same moment on a real server, some from two tabs and replaying
their votes: the database holds the rules and the totals are exact."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from exchange.enquiry import services
from exchange.enquiry.models import Step, Vote
from exchange.extensions import db
from tests import factories
from tests.enquiry.screens import Screen
from tests.enquiry.walk import ask, walk_to
from tests.servers import running_server

pytestmark = pytest.mark.server

CLASS_A, CLASS_B = 36, 24  # unequal classes, so equal weight matters
SECOND_TABS = 12  # these pupils vote from two tabs at once
REPLAYS = 12  # these pupils' tabs send the same vote twice


def fire_together(jobs):
    """Run every job at the same instant (a barrier), returning their results."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def db_counts(enquiry_id):
    db.session.expire_all()
    rows = db.session.execute(
        select(Vote.question_id, func.count())
        .where(Vote.enquiry_id == enquiry_id)
        .group_by(Vote.question_id)
    ).all()
    return dict(rows)


def test_sixty_pupils_voting_at_once_give_exact_totals(app, world, database_url, tmp_path):
    pupils_a = [world.pupil_a, world.pupil_a2] + [
        factories.make_pupil(world.class_a, f"A{n}.") for n in range(CLASS_A - 2)
    ]
    pupils_b = [world.pupil_b] + [
        factories.make_pupil(world.class_b, f"B{n}.") for n in range(CLASS_B - 1)
    ]
    db.session.commit()
    enquiry = services.open_enquiry(world.teacher_a, world.link.id)
    made = walk_to(world, enquiry, Step.QUESTIONS)
    made["q_a"] = ask(world.pupil_a, world.teacher_a, enquiry, "Is it ever fair to keep more?")
    made["q_b"] = ask(world.pupil_b, world.teacher_b, enquiry, "What makes a share fair?")
    q3 = ask(world.pupil_b, world.teacher_b, enquiry, "Can a rule be fair to everyone?").id
    q1, q2 = made["q_a"].id, made["q_b"].id
    walk_to(world, enquiry, Step.VOTING, made)
    services.configure_voting(world.teacher_a, enquiry.id, method="single", equal_weight=True)
    services.open_voting(world.teacher_a, enquiry.id)
    e = enquiry.id
    # Class A: 24 for q1, 12 for q2. Class B: 6 for q2, 18 for q3.
    choice = {p.id: (q1 if n < 24 else q2) for n, p in enumerate(pupils_a)}
    choice.update({p.id: (q2 if n < 6 else q3) for n, p in enumerate(pupils_b)})
    everyone = pupils_a + pupils_b

    log = tmp_path / "server.log"
    env = {"UPLOAD_DIR": app.config["UPLOAD_DIR"]}
    with running_server(database_url, env=env, log_path=log) as server:
        observer = Screen(server, app, world.teacher_a, "observer")
        with ThreadPoolExecutor(max_workers=8) as pool:  # connect a few at a time, like a class
            tabs = list(pool.map(lambda p: Screen(server, app, p, p.display_name), everyone))
            second = list(
                pool.map(
                    lambda p: Screen(server, app, p, p.display_name + " 2"), everyone[:SECOND_TABS]
                )
            )
        try:
            observer.follow(f"enquiry:{e}")

            def vote(screen, question):
                return lambda: screen.command(
                    "enquiry_cast_vote", {"enquiry_id": e, "question_id": question}
                )

            # Single vote: every pupil votes at the same moment; some send it twice from one tab,
            # others from two tabs.
            jobs = [vote(t, choice[t.actor.id]) for t in tabs]
            jobs += [vote(t, choice[t.actor.id]) for t in tabs[-REPLAYS:]]
            jobs += [vote(t, choice[t.actor.id]) for t in second]
            started = time.monotonic()
            acks = fire_together(jobs)
            elapsed = time.monotonic() - started
            assert sum(a["ok"] is True for a in acks) == len(everyone)
            refusals = [a for a in acks if not a["ok"]]
            assert {a["error"] for a in refusals} == {"conflict"}
            assert all(
                "already voted" in a["message"] or "used your vote" in a["message"]
                for a in refusals
            )
            assert elapsed < 30, f"{len(jobs)} votes took {elapsed:.1f}s"
            assert db_counts(e) == {q1: 24, q2: 18, q3: 18}
            tally = observer.wait_for(
                "tally_changed", lambda m: sum(q["votes"] for q in m["tally"]["questions"]) == 60
            )["tally"]
            scores = {q["question_id"]: (q["votes"], q["score"]) for q in tally["questions"]}
            # A cast 36 votes, B 24: B's votes count 36/24 = 3/2 each.
            assert scores == {q1: (24, "24"), q2: (18, "21"), q3: (18, "27")}
            assert tally["leaders"] == [q3]
            last = max(observer.seen("tally_changed"), key=lambda m: m["seq"])
            assert {q["question_id"]: q["votes"] for q in last["tally"]["questions"]} == db_counts(
                e
            )

            # Multi-vote (2 each): every pupil tries all three questions at once; second tabs
            # and replays try again.
            for path in ("/voting/close",):
                assert observer.api("POST", f"/enquiries/{e}{path}").status_code == 200
            assert observer.api("DELETE", f"/enquiries/{e}/votes").status_code == 200
            rules = {"method": "multi", "votes_per_voter": 2}
            assert observer.api("PUT", f"/enquiries/{e}/voting", rules).status_code == 200
            assert observer.api("POST", f"/enquiries/{e}/voting/open").status_code == 200
            jobs = [vote(t, q) for t in tabs for q in (q1, q2, q3)]
            jobs += [vote(t, q1) for t in tabs[-REPLAYS:]]
            jobs += [vote(t, q3) for t in second]
            acks = fire_together(jobs)
            assert sum(a["ok"] is True for a in acks) == 2 * len(everyone)
            db.session.expire_all()
            per_voter = db.session.execute(
                select(Vote.voter_key, func.count(), func.count(func.distinct(Vote.question_id)))
                .where(Vote.enquiry_id == e)
                .group_by(Vote.voter_key)
            ).all()
            assert len(per_voter) == len(everyone)
            assert all(total == 2 and distinct == 2 for _key, total, distinct in per_voter)
            counts = db_counts(e)
            assert sum(counts.values()) == 120
            final = observer.wait_for(
                "tally_changed", lambda m: sum(q["votes"] for q in m["tally"]["questions"]) == 120
            )
            assert {q["question_id"]: q["votes"] for q in final["tally"]["questions"]} == counts
        finally:
            with ThreadPoolExecutor(max_workers=32) as pool:  # each close waits for its threads
                list(pool.map(Screen.close, [observer, *tabs, *second]))
