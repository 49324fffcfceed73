# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Jobs that leave a trace, for the end-to-end tests and benchmarks.

Tests call ``enqueue`` over XML-RPC against a real server; each job run
writes when it started and ended, and in which process, to a plain table,
so that tests can check capacities, order, latency and counts of executions.
"""
import os
import signal
import time

from odoo import api, models

from odoo.addons.queue_job.delay import chain
from odoo.addons.queue_job.exception import RetryableJobError


class QueueJobE2E(models.AbstractModel):
    _name = "test.queue.job.e2e"
    _description = "Traced jobs for end-to-end tests"

    def init(self):
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS queue_job_e2e_trace (
                id serial PRIMARY KEY,
                tag varchar NOT NULL,
                uuid varchar,
                pid integer,
                started double precision,
                ended double precision,
                retry integer
            );
            CREATE TABLE IF NOT EXISTS queue_job_e2e_attempt (
                tag varchar NOT NULL,
                uuid varchar,
                pid integer,
                at double precision NOT NULL
            );
            CREATE TABLE IF NOT EXISTS queue_job_e2e_interrupt (
                tag varchar NOT NULL,
                uuid varchar,
                pid integer,
                exc varchar NOT NULL,
                at double precision NOT NULL
            );
            CREATE TABLE IF NOT EXISTS queue_job_e2e_commit (
                tag varchar NOT NULL,
                uuid varchar NOT NULL,
                committed double precision NOT NULL
            );
            CREATE TABLE IF NOT EXISTS queue_job_e2e_step (
                id serial PRIMARY KEY,
                uuid varchar NOT NULL,
                step varchar NOT NULL,
                in_slot boolean NOT NULL,
                pid integer NOT NULL
            );
            """
        )

    @api.model
    def enqueue(self, specs):
        """Delay one traced job per spec; return their uuids.

        A spec is a dict: ``tag`` plus optional with_delay options
        (priority, eta, channel, max_retries, description) and job arguments
        (sleep, fail, retries: how many times to raise RetryableJobError,
        retry_seconds).
        """
        uuids, tags = [], []
        for spec in specs:
            spec = dict(spec)
            options = {
                key: spec.pop(key)
                for key in ("priority", "eta", "channel", "max_retries", "description")
                if key in spec
            }
            tags.append(spec.pop("tag"))
            uuids.append(self.with_delay(**options).trace(tags[-1], **spec).uuid)

        def record_commit():
            # when the jobs became visible, to measure how soon they start
            committed = time.time()
            with self.pool.cursor() as cr:
                cr.execute(
                    "INSERT INTO queue_job_e2e_commit (tag, uuid, committed) "
                    "SELECT unnest(%s::varchar[]), unnest(%s::varchar[]), %s",
                    (tags, uuids, committed),
                )

        self.env.cr.postcommit.add(record_commit)
        return uuids

    @api.model
    def enqueue_chain(self, specs):
        """Delay one traced job per spec, each waiting for the one before
        it to be done; return their uuids."""
        nodes = []
        for spec in specs:
            spec = dict(spec)
            tag = spec.pop("tag")
            nodes.append(self.delayable().trace(tag, **spec))
        chain(*nodes).delay()
        return [node._generated_job.uuid for node in nodes]

    @api.model
    def trace(
        self,
        tag,
        sleep=0,
        fail=False,
        retries=0,
        retry_seconds=None,
        die=False,
        taken=False,
        bad_text=False,
        pg_sleep=0,
        spin=0,
    ):
        """The job: records its attempt at once (committed on its own, so
        that even a killed run is counted) and, in its own transaction, its
        successful run.

        ``pg_sleep``: seconds in one query; ``spin``: seconds of Python
        work (short sleeps), to be stopped by a time limit.
        ``taken``: while it runs, the job is marked done by someone else (as
        if found dead and run elsewhere): its own outcome must be dropped.
        ``bad_text``: the job returns ("result") or raises ("fail") a text
        with a NUL and bytes that are not UTF-8.
        """
        started = time.time()
        uuid = self.env.context.get("job_uuid")
        with self.pool.cursor() as cr:
            cr.execute(
                "INSERT INTO queue_job_e2e_attempt (tag, uuid, pid, at) "
                "VALUES (%s, %s, %s, %s)",
                (tag, uuid, os.getpid(), started),
            )
        retry = uuid and self._current_retry()
        if retries and (retry or 0) <= retries:
            raise RetryableJobError(
                "retry %s of %s" % (retry, tag), seconds=retry_seconds
            )
        if taken:
            with self.pool.cursor() as cr:
                cr.execute(
                    "UPDATE queue_job SET state = 'done', worker_key = NULL,"
                    " result = 'taken by another worker' WHERE uuid = %s",
                    (uuid,),
                )
        if die:
            # a job that takes its worker down with it (out of memory, ...)
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            self._take_time(sleep, pg_sleep, spin)
        except BaseException as exc:
            # stopped from outside (a user, a time limit, a shutdown): when,
            # committed on its own, as the attempt
            with self.pool.cursor() as cr:
                cr.execute(
                    "INSERT INTO queue_job_e2e_interrupt (tag, uuid, pid, exc, at)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (tag, uuid, os.getpid(), type(exc).__name__, time.time()),
                )
            raise
        if fail:
            raise ValueError("traced job %s fails as asked" % tag)
        if bad_text:
            # what PostgreSQL cannot store as text: a NUL, bytes that are not
            # UTF-8 (kept as surrogates by surrogateescape)
            text = b"caf\xe9 \x00 end".decode("utf-8", "surrogateescape")
            if bad_text == "fail":
                raise ValueError("%s: %s" % (tag, text))
        self.env.cr.execute(
            "INSERT INTO queue_job_e2e_trace (tag, uuid, pid, started, ended, retry) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (
                tag,
                self.env.context.get("job_uuid"),
                os.getpid(),
                started,
                time.time(),
                retry,
            ),
        )
        if bad_text:
            return "%s: %s" % (tag, text)
        return tag

    def _take_time(self, sleep, pg_sleep, spin):
        if sleep:
            time.sleep(sleep)
        if pg_sleep:
            self.env.cr.execute("SELECT pg_sleep(%s)", (pg_sleep,))
        spin_until = time.time() + spin
        while time.time() < spin_until:
            time.sleep(0.01)

    def _current_retry(self):
        self.env.cr.execute(
            "SELECT retry FROM queue_job WHERE uuid = %s",
            (self.env.context["job_uuid"],),
        )
        row = self.env.cr.fetchone()
        # the stored retry counts the tries before this one
        return (row[0] or 0) + 1 if row else None

    @api.model
    def noop(self):
        """A job that does nothing, for the benchmarks."""
        return None
