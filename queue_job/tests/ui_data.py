# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Jobs in every state, enqueued with with_delay() and delayable graphs and
run the way a worker runs them, for the browser tours and the screenshots
(tools/screenshots.py).
"""
import traceback

from ..delay import chain, group
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
    job_ = partner.with_delay(description=description).write({field: "A-17"})
    return run_job(env, job_.uuid)


def graph_jobs(env, partner, prefix="Sync"):
    """Four jobs on ``partner``: fetch -> (price, stock) -> publish.

    The first is done, so the two middle ones are pending and the last one
    waits for them. Returns the jobs in that order.
    """
    fetch = partner.delayable(description="%s: fetch the catalogue" % prefix)
    price = partner.delayable(description="%s: update the prices" % prefix)
    stock = partner.delayable(description="%s: update the stock" % prefix)
    publish = partner.delayable(description="%s: publish" % prefix)
    for delayable in (fetch, price, stock, publish):
        delayable.name_get()
    chain(fetch, group(price, stock), publish).delay()
    fetch, price, stock, publish = (
        delayable._generated_job for delayable in (fetch, price, stock, publish)
    )
    run_job(env, fetch.uuid)
    return [fetch, price, stock, publish]


def demo_jobs(env):
    """A small realistic queue, enqueued by the admin: done, pending, failed
    and started jobs, a graph, two channels."""
    env = env(user=env.ref("base.user_admin").id)
    partners = env["res.partner"].create(
        [
            {"name": "Azure Interior"},
            {"name": "Deco Addict"},
            {"name": "Gemini Furniture"},
        ]
    )
    for partner in partners:
        for _i in range(3):
            done = partner.with_delay(description="Refresh %s" % partner.name)
            run_job(env, done.name_get().uuid)
        partner.with_delay(
            description="Export %s to the shop" % partner.name
        ).name_get()
    failing_job(env, partners[0])
    graph = graph_jobs(env, partners[1])
    # the graph in every colour: a worker took the stock update, the price
    # service was down
    stock = Job.load(env, graph[2].uuid)
    stock.set_started()
    stock.store()
    price = Job.load(env, graph[1].uuid)
    price.set_started()
    price.set_failed(
        exc_name="ConnectionError",
        exc_message="price service unreachable",
        exc_info="Traceback (most recent call last):\n  ...\n"
        "ConnectionError: price service unreachable\n",
    )
    price.store()
    partners[2].with_delay(
        description="Nightly report for %s" % partners[2].name, channel="root.reports"
    ).name_get()
    return graph
