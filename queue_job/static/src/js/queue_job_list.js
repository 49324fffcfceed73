/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html) */
odoo.define("queue_job.list_view", function (require) {
    "use strict";

    const ListController = require("web.ListController");
    const ListView = require("web.ListView");
    const viewRegistry = require("web.view_registry");

    /**
     * The Jobs list. With `queue_job_count_limit` in the action's context the
     * server counts at most that many jobs plus one; the pager then shows
     * "<limit>+" and a click on that number asks for the exact count.
     */
    const QueueJobListController = ListController.extend({
        /**
         * @override
         */
        init: function () {
            this._super.apply(this, arguments);
            // exact counts asked by the user, by domain, until the next search
            this.exactCounts = new Map();
            this._onPagerLimitClick = this._onPagerLimitClick.bind(this);
        },
        /**
         * @override
         */
        start: function () {
            // the pager stops the propagation of clicks on its counter
            this.el.addEventListener("click", this._onPagerLimitClick, true);
            return this._super.apply(this, arguments);
        },
        /**
         * @override
         */
        destroy: function () {
            if (this.el) {
                this.el.removeEventListener("click", this._onPagerLimitClick, true);
            }
            this._super.apply(this, arguments);
        },

        //----------------------------------------------------------------------
        // Private
        //----------------------------------------------------------------------

        _countLimit: function (state) {
            return (state.context && state.context.queue_job_count_limit) || 0;
        },
        _isCountCapped: function (state) {
            const limit = this._countLimit(state);
            const grouped = state.groupedBy && state.groupedBy.length;
            return Boolean(limit && !grouped && state.count > limit);
        },
        _domainKey: function (state) {
            return JSON.stringify(state.domain);
        },
        /**
         * @override
         */
        _getPagingInfo: function (state) {
            const info = this._super.apply(this, arguments);
            let capped = false;
            if (info && this._isCountCapped(state)) {
                const exact = this.exactCounts.get(this._domainKey(state));
                if (exact === undefined) {
                    info.size = this._countLimit(state);
                    capped = true;
                } else {
                    info.size = exact;
                }
            }
            if (this.el) {
                this.el.classList.toggle("o_queue_job_count_capped", capped);
            }
            return info;
        },
        /**
         * A new search forgets the exact counts of the previous ones.
         *
         * @override
         */
        update: function (params) {
            if (params && "domain" in params) {
                this.exactCounts.clear();
            }
            return this._super.apply(this, arguments);
        },

        //----------------------------------------------------------------------
        // Handlers
        //----------------------------------------------------------------------

        _onPagerLimitClick: async function (ev) {
            if (!ev.target.closest(".o_pager_limit")) {
                return;
            }
            const state = this.model.get(this.handle);
            const key = this._domainKey(state);
            if (!this._isCountCapped(state) || this.exactCounts.has(key)) {
                return;
            }
            ev.stopPropagation();
            const context = Object.assign({}, state.context, {
                queue_job_count_limit: false,
            });
            const count = await this._rpc({
                model: this.modelName,
                method: "search_count",
                args: [state.domain],
                context: context,
            });
            this.exactCounts.set(key, count);
            this._updateControlPanel();
        },
    });

    const QueueJobListView = ListView.extend({
        config: Object.assign({}, ListView.prototype.config, {
            Controller: QueueJobListController,
        }),
    });

    viewRegistry.add("queue_job_list", QueueJobListView);

    return {QueueJobListController, QueueJobListView};
});
