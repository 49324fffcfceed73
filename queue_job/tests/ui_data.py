# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Jobs in every state, made with the Job API and run the way a worker runs
them, for the browser tours and the screenshots (tools/screenshots.py).
"""
import traceback
import uuid

from ..job import Job


def run_job(env, job_uuid):
    """Claim, perform and finish one stored job, as a worker would."""
    job_ = Job.load(env, job_uuid)
    job_.set_started()
    job_.store()
    try:
        with env.cr.savepoint():
            job_.perform()
    except Exception as exc:
        job_.set_failed(
            exc_info=traceback.format_exc(),
            exc_name=type(exc).__name__,
            exc_message=str(exc),
        )
        job_.store()
    else:
        job_.set_done()
        job_.store()
        job_.enqueue_waiting()
    return job_


def failing_job(
    env,
    partner,
    description="Update the partner's legacy code",
    field="x_legacy_partner_code",
):
    """A job on ``partner`` that failed for real: it writes a field that
    does not exist."""
    job_ = Job(partner.write, args=({field: "A-17"},), description=description)
    job_.store()
    return run_job(env, job_.uuid)


def graph_jobs(env, partner, prefix="Sync"):
    """Four jobs on ``partner``: fetch -> (price, stock) -> publish.

    The first is done, so the two middle ones are pending and the last one
    waits for them. Returns the jobs in that order.
    """
    fetch = Job(partner.name_get, description="%s: fetch the catalogue" % prefix)
    price = Job(partner.name_get, description="%s: update the prices" % prefix)
    stock = Job(partner.name_get, description="%s: update the stock" % prefix)
    publish = Job(partner.name_get, description="%s: publish" % prefix)
    price.add_depends({fetch})
    stock.add_depends({fetch})
    publish.add_depends({price, stock})
    graph_uuid = str(uuid.uuid4())
    jobs = [fetch, price, stock, publish]
    for job_ in jobs:
        job_.graph_uuid = graph_uuid
        job_.store()
    run_job(env, fetch.uuid)
    return jobs


def demo_jobs(env):
    """A small realistic queue: done, pending, failed, a graph, channels."""
    partners = env["res.partner"].create(
        [
            {"name": "Azure Interior"},
            {"name": "Deco Addict"},
            {"name": "Gemini Furniture"},
        ]
    )
    for partner in partners:
        for _i in range(3):
            done = Job(partner.name_get, description="Refresh %s" % partner.name)
            done.store()
            run_job(env, done.uuid)
        Job(
            partner.name_get, description="Export %s to the shop" % partner.name
        ).store()
    failing_job(env, partners[0])
    graph = graph_jobs(env, partners[1])
    run_job(env, graph[1].uuid)
    Job(
        partners[2].name_get,
        description="Nightly report for %s" % partners[2].name,
        channel="root.reports",
    ).store()
    return graph
