# Copyright 2026 queue_job developers
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Channels and job functions that several addons declare in their data.

Two addons may both ship ``root.sale`` or the function of the same method.
While modules install, the second declaration must land on the record of the
first one instead of making a twin (``name_uniq`` would refuse a channel twin;
a function twin would be silently ignored by ``job_config``).
"""


def create_or_merge(model, vals_list, find, create):
    """Create the records of ``vals_list``, in install mode merging each
    ``vals`` into the record ``find(vals)`` returns, if any.

    A merged record takes ``vals`` unless its xmlid is ``noupdate``. ``create``
    is the model's inherited create. The result follows the order of
    ``vals_list``: Odoo's data loader pairs them with their xmlids.
    """
    if not model.env.context.get("install_mode"):
        return create(vals_list)
    found = [find(vals) for vals in vals_list]
    fresh = iter(create([vals for vals, old in zip(vals_list, found) if not old]))
    ids = []
    for vals, old in zip(vals_list, found):
        if not old:
            ids.append(next(fresh).id)
            continue
        if not old.get_metadata()[0].get("noupdate"):
            old.write(vals)
        ids.append(old.id)
    return model.browse(ids)
