/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html) */
odoo.define("queue_job.fields", function (require) {
    "use strict";

    const AbstractField = require("web.AbstractField");
    const fieldRegistry = require("web.field_registry");

    // above this many nodes, stabilising the layout costs more than it helps
    const STABILIZE_MAX_NODES = 100;

    /**
     * The jobs of a graph (field value {nodes: [...], edges: [[from, to]]})
     * drawn with vis-network. The current job is selected; clicking another
     * job opens it.
     */
    const JobDirectedGraph = AbstractField.extend({
        className: "o_field_job_directed_graph",
        supportedFieldTypes: ["serialized"],
        // loaded when a graph is first shown, not with every backend page
        jsLibs: ["/queue_job/static/lib/vis-network/vis-network.min.js"],

        /**
         * @override
         */
        init: function () {
            this._super.apply(this, arguments);
            this.network = null;
            this.resizeObserver = null;
            this.wasVisible = false;
        },
        /**
         * @override
         */
        destroy: function () {
            this._destroyNetwork();
            this._super.apply(this, arguments);
        },
        /**
         * @override
         */
        isSet: function () {
            return Boolean(this.value && (this.value.nodes || []).length);
        },
        /**
         * The graph was drawn while the form was detached: size it now.
         *
         * @override
         */
        on_attach_callback: function () {
            this._refit();
        },

        //----------------------------------------------------------------------
        // Private
        //----------------------------------------------------------------------

        _destroyNetwork: function () {
            if (this.resizeObserver) {
                this.resizeObserver.disconnect();
                this.resizeObserver = null;
            }
            if (this.network) {
                this.network.destroy();
                this.network = null;
            }
            if (this.el) {
                delete this.el.jobDirectedGraph;
            }
        },
        /**
         * vis-network shows a string title as text: the server sends HTML
         * built from escaped values, so it becomes an element here.
         *
         * @param {String} html
         * @returns {HTMLElement}
         */
        _titleElement: function (html) {
            const element = document.createElement("div");
            element.className = "o_job_graph_title";
            element.innerHTML = html;
            return element;
        },
        /**
         * @override
         */
        _render: function () {
            this._destroyNetwork();
            this.el.replaceChildren();
            if (!this.isSet()) {
                return;
            }
            if (typeof vis === "undefined") {
                // the bundle lost the library: say so instead of failing
                this.el.textContent = "vis-network is not loaded";
                return;
            }
            const nodes = this.value.nodes.map((node) =>
                Object.assign({}, node, {
                    title: node.title ? this._titleElement(node.title) : undefined,
                })
            );
            const edges = (this.value.edges || []).map(([from, to]) => ({
                from: from,
                to: to,
                arrows: "to",
            }));
            const container = document.createElement("div");
            container.className = "o_job_graph_canvas";
            this.el.appendChild(container);
            this.network = new vis.Network(
                container,
                {
                    nodes: new vis.DataSet(nodes),
                    edges: new vis.DataSet(edges),
                },
                {
                    // a fixed seed: the same graph is laid out the same way
                    layout: {randomSeed: 1},
                    physics: {
                        stabilization: nodes.length <= STABILIZE_MAX_NODES,
                    },
                    interaction: {hover: true},
                }
            );
            this._selectCurrent();
            this.network.on("click", this._onNetworkClick.bind(this));
            this.network.on("dragEnd", this._selectCurrent.bind(this));
            this.network.on("deselectNode", this._selectCurrent.bind(this));
            // a canvas drawn in a hidden tab has no size: fit once shown
            this.wasVisible = container.offsetWidth > 0;
            if (window.ResizeObserver) {
                this.resizeObserver = new ResizeObserver(this._onResize.bind(this));
                this.resizeObserver.observe(container);
            }
            // lets tests and tours reach the drawn graph
            this.el.jobDirectedGraph = this;
        },
        _refit: function () {
            if (this.network && this.el.offsetWidth > 0) {
                this.network.redraw();
                this.network.fit();
            }
        },
        _selectCurrent: function () {
            if (this.network && this.res_id && this._hasNode(this.res_id)) {
                this.network.selectNodes([this.res_id]);
            }
        },
        _hasNode: function (id) {
            return this.value.nodes.some((node) => node.id === id);
        },
        /**
         * Where a job's node is, in pixels relative to the graph's canvas.
         *
         * @param {Number} jobId
         * @returns {{x: Number, y: Number}}
         */
        nodeDOMPosition: function (jobId) {
            const positions = this.network.getPositions([jobId]);
            return this.network.canvasToDOM(positions[jobId]);
        },

        //----------------------------------------------------------------------
        // Handlers
        //----------------------------------------------------------------------

        _onNetworkClick: function (params) {
            const jobId = params.nodes.length ? params.nodes[0] : null;
            if (!jobId || jobId === this.res_id) {
                this._selectCurrent();
                return;
            }
            this._rpc({
                model: "queue.job",
                method: "get_formview_action",
                args: [[jobId]],
                context: this.record.getContext(),
            }).then((action) => this.do_action(action));
        },
        _onResize: function (entries) {
            const visible = entries.some((entry) => entry.contentRect.width > 0);
            if (visible && !this.wasVisible) {
                this._refit();
            }
            this.wasVisible = visible;
        },
    });

    fieldRegistry.add("job_directed_graph", JobDirectedGraph);

    return {JobDirectedGraph: JobDirectedGraph};
});
