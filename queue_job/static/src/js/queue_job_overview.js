/** @odoo-module **/
/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html) */

import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

const {Component, hooks} = owl;
const {useState} = hooks;

// the counts are cheap (grouped counts over partial indexes): keep them fresh
const REFRESH_MS = 10000;

/**
 * Per channel: jobs pending, running (enqueued or started), failed, and done
 * in the last hour. A click on a number opens those jobs.
 */
export class QueueJobOverview extends Component {
    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({
            columns: [],
            channels: [],
            totals: {},
            loaded: false,
        });
        this.timer = null;
    }

    async willStart() {
        await this.load();
    }

    mounted() {
        this.timer = setInterval(() => this.load(), REFRESH_MS);
    }

    willUnmount() {
        clearInterval(this.timer);
    }

    async load() {
        const data = await this.orm.call("queue.job", "get_overview", []);
        Object.assign(this.state, data, {loaded: true});
    }

    async openJobs(channel, column) {
        const action = await this.orm.call("queue.job", "action_overview_jobs", [
            channel,
            column,
        ]);
        await this.actionService.doAction(action);
    }
}

QueueJobOverview.template = "queue_job.Overview";

registry.category("actions").add("queue_job_overview", QueueJobOverview);
