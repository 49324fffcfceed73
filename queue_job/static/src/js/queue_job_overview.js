/** @odoo-module **/
/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html) */

import {ConfirmationDialog} from "@web/core/confirmation_dialog/confirmation_dialog";
import {loadAssets} from "@web/core/assets";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";

const {Component, hooks} = owl;
const {useState, useRef} = hooks;

// every read of the dashboard is cheap (partial indexes, the history table)
const REFRESH_MS = 5000;
// Odoo's own copy of Chart.js (2.9), loaded when the Overview opens
const CHART_JS = "/web/static/lib/Chart/Chart.js";
const WINDOWS = ["1h", "24h", "7d"];

function label(t, window) {
    const date = new Date(t * 1000);
    if (window === "7d") {
        return date.toLocaleString([], {
            weekday: "short",
            hour: "2-digit",
            minute: "2-digit",
        });
    }
    return date.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
}

/**
 * The Overview: per channel, jobs pending, running, failed and done in the
 * last hour (a click opens them), the channels' pause and capacity (for
 * managers), charts of the runner's per-minute history over a window, the
 * job functions failing most, and the runner leading the database.
 */
export class QueueJobOverview extends Component {
    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.dialog = useService("dialog");
        this.state = useState({
            columns: [],
            channels: [],
            totals: {},
            window: "1h",
            windows: WINDOWS,
            series: {points: []},
            failing: [],
            runners: [],
            settings: {},
            can_manage: false,
            loaded: false,
        });
        this.charts = {};
        this.canvases = {
            throughput: useRef("throughput"),
            backlog: useRef("backlog"),
            latency: useRef("latency"),
        };
        this.timer = null;
    }

    async willStart() {
        await Promise.all([loadAssets({jsLibs: [CHART_JS]}), this.load()]);
    }

    mounted() {
        this.renderCharts();
        // paused while the tab is hidden
        this.timer = setInterval(() => {
            if (document.visibilityState !== "hidden") {
                this.load();
            }
        }, REFRESH_MS);
    }

    patched() {
        this.renderCharts();
    }

    willUnmount() {
        clearInterval(this.timer);
        for (const chart of Object.values(this.charts)) {
            chart.destroy();
        }
    }

    async load() {
        const data = await this.orm.call("queue.job", "get_dashboard", [
            this.state.window,
        ]);
        Object.assign(this.state, data.overview, {
            series: data.series,
            failing: data.failing,
            runners: data.runners,
            settings: data.settings,
            can_manage: data.can_manage,
            loaded: true,
        });
    }

    async setWindow(window) {
        this.state.window = window;
        await this.load();
    }

    chartData(name) {
        const points = this.state.series.points;
        const labels = points.map((p) => label(p.t, this.state.window));
        const line = (title, key, color, axis) => ({
            label: title,
            data: points.map((p) => p[key]),
            borderColor: color,
            backgroundColor: color,
            fill: false,
            spanGaps: false,
            pointRadius: 0,
            yAxisID: axis || "y",
        });
        if (name === "throughput") {
            return {
                labels,
                datasets: [
                    line(this.env._t("Done"), "done", "#28a745"),
                    line(this.env._t("Failed"), "failed", "#dc3545"),
                    line(this.env._t("Enqueued"), "enqueued", "#6c757d"),
                ],
            };
        }
        if (name === "backlog") {
            return {
                labels,
                datasets: [
                    line(this.env._t("Pending"), "pending", "#007bff"),
                    line(
                        this.env._t("Oldest waiting (s)"),
                        "oldest_age",
                        "#fd7e14",
                        "age"
                    ),
                ],
            };
        }
        return {
            labels,
            datasets: [
                line(this.env._t("Start latency p95 (s)"), "latency_p95", "#6f42c1"),
            ],
        };
    }

    renderCharts() {
        if (!window.Chart) {
            return;
        }
        for (const [name, ref] of Object.entries(this.canvases)) {
            if (!ref.el) {
                continue;
            }
            const data = this.chartData(name);
            const chart = this.charts[name];
            if (chart && chart.canvas === ref.el) {
                chart.data = data;
                chart.update(0);
            } else {
                if (chart) {
                    chart.destroy();
                }
                const axes = [{id: "y", ticks: {beginAtZero: true}}];
                if (name === "backlog") {
                    axes.push({
                        id: "age",
                        position: "right",
                        ticks: {beginAtZero: true},
                    });
                }
                this.charts[name] = new window.Chart(ref.el, {
                    type: name === "throughput" ? "bar" : "line",
                    data,
                    options: {
                        animation: false,
                        maintainAspectRatio: false,
                        scales: {yAxes: axes},
                    },
                });
            }
            // what the tours read: the points drawn and their total
            const total = data.datasets[0].data.reduce((a, b) => a + (b || 0), 0);
            ref.el.dataset.points = data.labels.length;
            ref.el.dataset.total = total;
        }
    }

    async openJobs(channel, column) {
        const action = await this.orm.call("queue.job", "action_overview_jobs", [
            channel,
            column,
        ]);
        await this.actionService.doAction(action);
    }

    async openFailing(row) {
        const action = await this.orm.call("queue.job", "action_dashboard_failing", [
            row.model_name,
            row.method_name,
        ]);
        await this.actionService.doAction(action);
    }

    setting(channel) {
        return this.state.settings[channel] || {paused: false, capacity: 0};
    }

    confirm(body, values, channel) {
        this.dialog.add(ConfirmationDialog, {
            title: this.env._t("Channel settings"),
            body,
            confirm: async () => {
                await this.orm.call(
                    "queue.job",
                    "dashboard_set_channel",
                    [channel],
                    values
                );
                await this.load();
            },
            cancel: () => {},
        });
    }

    togglePause(channel) {
        const paused = !this.setting(channel).paused;
        const body = paused
            ? _.str.sprintf(
                  this.env._t(
                      "Pause channel %s? No new job of it (or of its sub-channels) starts until it is resumed; running jobs go on."
                  ),
                  channel
              )
            : _.str.sprintf(this.env._t("Resume channel %s?"), channel);
        this.confirm(body, {paused}, channel);
    }

    editCapacity(channel, ev) {
        const input = ev.target
            .closest("tr")
            .querySelector("input.o_queue_job_capacity_input");
        const capacity = parseInt(input.value, 10);
        if (!(capacity >= 0) || String(capacity) !== input.value.trim()) {
            this.dialog.add(ConfirmationDialog, {
                title: this.env._t("Invalid capacity"),
                body: this.env._t(
                    "The capacity is a whole number from 0 (0: as configured)."
                ),
            });
            return;
        }
        this.confirm(
            _.str.sprintf(
                this.env._t("Set the capacity of channel %s to %s (0: as configured)?"),
                channel,
                capacity
            ),
            {capacity},
            channel
        );
    }
}

QueueJobOverview.template = "queue_job.Overview";

registry.category("actions").add("queue_job_overview", QueueJobOverview);
