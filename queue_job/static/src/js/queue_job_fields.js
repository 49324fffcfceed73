/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html) */
odoo.define("queue_job.fields", function (require) {
    "use strict";

    const AbstractField = require("web.AbstractField");
    const fieldRegistry = require("web.field_registry");

    const core = require("web.core");
    const _lt = core._lt;

    // longer descriptions are cut in the node, whole in its tooltip
    const LABEL_MAX = 40;
    const LEGEND = [
        ["done", _lt("Done")],
        ["started", _lt("Started")],
        ["failed", _lt("Failed")],
        ["other", _lt("Waiting, pending or cancelled")],
    ];

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
         * A node of the server (id, title, color, border) as vis wants it,
         * labelled with the job's description.
         *
         * @param {Object} node
         * @returns {Object}
         */
        _visNode: function (node) {
            const title = node.title ? this._titleElement(node.title) : undefined;
            const strong = title && title.querySelector("strong");
            let label = strong ? strong.textContent.trim() : String(node.id);
            if (label.length > LABEL_MAX) {
                label = label.slice(0, LABEL_MAX - 1) + "\u2026";
            }
            // "border" is ours, not a vis option
            const {border: borderColor, ...visNode} = node;
            let color = node.color;
            if (typeof color === "string") {
                const border = borderColor || color;
                color = {
                    background: color,
                    border: border,
                    highlight: {background: color, border: "#212529"},
                    hover: {background: color, border: border},
                };
            }
            const current = node.id === this.res_id;
            return Object.assign(visNode, {
                title: title,
                label: label,
                color: color,
                borderWidth: current ? 3 : 1,
            });
        },
        /**
         * What the colours mean (the server's colours by state).
         *
         * @returns {HTMLElement}
         */
        _legend: function () {
            const legend = document.createElement("div");
            legend.className = "o_job_graph_legend";
            for (const [state, label] of LEGEND) {
                const item = document.createElement("span");
                item.className = "o_job_graph_legend_" + state;
                item.textContent = label;
                legend.appendChild(item);
            }
            return legend;
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
            const nodes = this.value.nodes.map((node) => this._visNode(node));
            const edges = (this.value.edges || []).map(([from, to]) => ({
                from: from,
                to: to,
                arrows: "to",
            }));
            const container = document.createElement("div");
            container.className = "o_job_graph_canvas";
            this.el.appendChild(container);
            this.el.appendChild(this._legend());
            this.network = new vis.Network(
                container,
                {
                    nodes: new vis.DataSet(nodes),
                    edges: new vis.DataSet(edges),
                },
                {
                    // dependencies read left to right, parents first; the
                    // layout is computed, not simulated: the same graph is
                    // always drawn the same way, whatever its size
                    layout: {
                        randomSeed: 1,
                        hierarchical: {
                            direction: "LR",
                            sortMethod: "directed",
                            levelSeparation: 230,
                            nodeSpacing: 70,
                        },
                    },
                    physics: false,
                    nodes: {
                        shape: "box",
                        margin: 8,
                        widthConstraint: {maximum: 180},
                        font: {size: 13},
                    },
                    edges: {
                        color: {color: "#8a8a8a", highlight: "#4c4c4c"},
                        smooth: {type: "cubicBezier", forceDirection: "horizontal"},
                    },
                    interaction: {hover: true},
                }
            );
            this._selectCurrent();
            this.network.on("click", this._onNetworkClick.bind(this));
            this.network.on("dragEnd", this._selectCurrent.bind(this));
            this.network.on("deselectNode", this._onDeselectNode.bind(this));
            // a canvas drawn in a hidden tab has no size: fit once shown
            this.wasVisible = container.offsetWidth > 0;
            this.el.classList.remove("o_job_graph_fitted");
            if (this.wasVisible) {
                this._refit();
            }
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
                // drawn at its real size: node positions are final
                this.el.classList.add("o_job_graph_fitted");
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

        _onDeselectNode: function (params) {
            // selecting another node deselects ours too: that click opens it
            if (!params.nodes.length) {
                this._selectCurrent();
            }
        },
        _onNetworkClick: function (params) {
            const jobId = this.network.getNodeAt(params.pointer.DOM);
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
            } else if (!visible) {
                this.el.classList.remove("o_job_graph_fitted");
            }
            this.wasVisible = visible;
        },
    });

    fieldRegistry.add("job_directed_graph", JobDirectedGraph);

    return {JobDirectedGraph: JobDirectedGraph};
});
