/* License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html) */
odoo.define("queue_job.tours", function (require) {
    "use strict";

    const tour = require("web_tour.tour");

    // names of the jobs made by queue_job/tests/test_ui_tours.py
    const FAILED_JOB = "Tour: update the partner's legacy code";
    const GRAPH_CURRENT = "Tour graph: update the stock";
    const GRAPH_TARGET = "Tour graph: publish";
    const PARTNER = "Tour Queue Partner";
    // the running job of tests/e2e/test_job_workers.py, stopped by the tour
    const RUNNING_JOB = "Tour stop: the long import";

    function fail(message) {
        console.error(message);
        throw new Error(message);
    }

    /**
     * Click a job's node in the graph as a mouse does: press and release at
     * the node's place on the canvas.
     *
     * @param {String} jobName
     */
    function clickGraphNode(jobName) {
        const field = document.querySelector(".o_field_job_directed_graph");
        const widget = field.jobDirectedGraph;
        const node = widget.value.nodes.find((candidate) =>
            candidate.title.includes(jobName)
        );
        if (!node) {
            fail(`no node for job "${jobName}" in the graph`);
        }
        const canvas = field.querySelector("canvas");
        const rect = canvas.getBoundingClientRect();
        const position = widget.nodeDOMPosition(node.id);
        const init = {
            bubbles: true,
            cancelable: true,
            clientX: rect.left + position.x,
            clientY: rect.top + position.y,
            pointerId: 1,
            pointerType: "mouse",
            isPrimary: true,
            button: 0,
            buttons: 1,
        };
        canvas.dispatchEvent(new PointerEvent("pointerdown", init));
        canvas.dispatchEvent(new PointerEvent("pointerup", {...init, buttons: 0}));
    }

    tour.register("queue_job_failed_job_tour", {test: true, url: "/web"}, [
        tour.stepUtils.showAppsMenuItem(),
        {
            content: "Open the Job Queue app",
            trigger: '.o_app[data-menu-xmlid="queue_job.menu_queue_job_root"]',
        },
        {
            content: "The Jobs list opens on the jobs that are not finished",
            trigger: '.o_searchview_facet:contains("Failed"):contains("Pending")',
            extra_trigger: ".o_list_view .o_data_row",
            run: function () {
                const facet = document.querySelector(".o_searchview_facet");
                for (const state of ["Done", "Cancelled"]) {
                    if (facet.textContent.includes(state)) {
                        fail(`the default filter shows ${state} jobs`);
                    }
                }
            },
        },
        {
            content: "Remove the default filter",
            trigger: ".o_searchview_facet .o_facet_remove",
        },
        {
            content: "Open the filters",
            trigger: ".o_filter_menu > button.dropdown-toggle",
            extra_trigger: ".o_searchview:not(:has(.o_searchview_facet))",
        },
        {
            content: "Keep the failed jobs only",
            trigger: '.o_filter_menu .o_menu_item:contains("Failed")',
        },
        {
            content: "Only failed jobs are listed",
            // once the list is reloaded: no row in another state
            trigger: `.o_list_view:not(:has(.o_data_row td[name='state']:not(:contains("Failed")))) .o_data_row:contains("${FAILED_JOB}")`,
            extra_trigger: '.o_searchview_facet:contains("Failed")',
            run: function () {
                const states = [
                    ...document.querySelectorAll(".o_data_row td[name='state']"),
                ].map((cell) => cell.textContent.trim());
                if (!states.length || states.some((state) => state !== "Failed")) {
                    fail(`the Failed filter lists: ${states.join(", ")}`);
                }
            },
        },
        {
            content: "Open the failed job",
            trigger: `.o_data_row td[name='name']:contains("${FAILED_JOB}")`,
        },
        {
            content: "Its traceback is shown",
            trigger:
                '.o_form_view .o_queue_job_exc_info:contains("Traceback (most recent call last)"):contains("x_tour_legacy_code")',
            extra_trigger:
                '.o_statusbar_status button[data-value="failed"][aria-checked="true"]',
            run: function () {},
        },
        {
            content: "Open the Action menu",
            trigger: '.o_cp_action_menus button.dropdown-toggle:contains("Action")',
        },
        {
            content: "Requeue it through the wizard",
            trigger: '.o_cp_action_menus .o_menu_item a:contains("Requeue Jobs")',
        },
        {
            content: "The wizard lists the job",
            // with a dialog open, the tour looks for triggers inside it
            trigger: `.o_field_widget[name='job_ids'] .o_data_row:contains("${FAILED_JOB}")`,
            run: function () {},
        },
        {
            content: "Requeue",
            trigger: "footer button[name='requeue']",
        },
        {
            content: "The job is pending again",
            trigger:
                '.o_statusbar_status button[data-value="pending"][aria-checked="true"]',
            extra_trigger: "body:not(:has(.modal))",
            run: function () {},
        },
        {
            content: "Open its related record",
            trigger: ".o_form_view button[name='open_related_action']",
        },
        {
            content: "The partner the job works on is shown",
            // the URL is updated a moment after the form is shown: the
            // form itself says it is a partner's (company_type is a
            // partner field), opened from the job (breadcrumb)
            trigger: `.o_form_view:has(.o_field_widget[name='company_type']) .o_field_widget[name='name']:contains("${PARTNER}")`,
            extra_trigger: `.breadcrumb:contains("${FAILED_JOB}")`,
            run: function () {},
        },
    ]);

    tour.register("queue_job_graph_tour", {test: true}, [
        {
            content: "Open the dependencies of the job",
            trigger: '.o_form_view .o_notebook .nav-link:contains("Dependencies")',
            extra_trigger: `.o_form_view h1:contains("${GRAPH_CURRENT}")`,
        },
        {
            content: "The graph is drawn, the current job selected",
            // fitted: drawn again at its size once its tab is shown
            // (until then, node positions are those of a hidden canvas)
            trigger: ".o_field_job_directed_graph.o_job_graph_fitted canvas",
            run: function () {
                const widget = document.querySelector(
                    ".o_field_job_directed_graph"
                ).jobDirectedGraph;
                const selected = widget.network.getSelectedNodes();
                if (selected.length !== 1 || selected[0] !== widget.res_id) {
                    fail(`selected nodes: ${selected}, current job: ${widget.res_id}`);
                }
                if (widget.value.nodes.length !== 4) {
                    fail(`${widget.value.nodes.length} nodes instead of 4`);
                }
            },
        },
        {
            content: "Click another job of the graph",
            trigger: ".o_field_job_directed_graph.o_job_graph_fitted canvas",
            run: function () {
                clickGraphNode(GRAPH_TARGET);
            },
        },
        {
            content: "That job's form opens",
            trigger: `.o_form_view h1:contains("${GRAPH_TARGET}")`,
            extra_trigger: `.breadcrumb:contains("${GRAPH_CURRENT}")`,
            run: function () {},
        },
    ]);

    tour.register("queue_job_capped_count_tour", {test: true}, [
        {
            content: "The pager counts up to the action's limit: 90+",
            trigger: ".o_queue_job_count_capped .o_pager_limit:contains('90')",
            extra_trigger: ".o_list_view .o_data_row",
            run: function () {
                const limit = document.querySelector(".o_pager_limit");
                const after = window.getComputedStyle(limit, "::after").content;
                if (limit.textContent.trim() !== "90" || after !== '"+"') {
                    fail(`pager shows "${limit.textContent}" + ${after}`);
                }
            },
        },
        {
            content: "Ask for the exact count",
            trigger: ".o_pager_limit",
        },
        {
            content: "The exact count replaces the capped one",
            // the controller loses its class before the pager is
            // rendered again: wait for the pager's new number too
            trigger:
                ".o_view_controller:not(.o_queue_job_count_capped) .o_pager_limit:not(:contains('90'))",
            run: function () {
                const limit = document.querySelector(".o_pager_limit");
                const count = limit.textContent;
                const after = window.getComputedStyle(limit, "::after").content;
                if (count.trim() !== "120" || after === '"+"') {
                    fail(`exact count: ${count} + ${after} instead of 120`);
                }
            },
        },
        {
            content: "The next page keeps the exact count",
            trigger: ".o_pager_next",
        },
        {
            content: "Second page",
            trigger: ".o_pager_value:contains('81-120')",
            extra_trigger:
                ".o_view_controller:not(.o_queue_job_count_capped) .o_pager_limit:contains('120')",
            run: function () {},
        },
    ]);

    tour.register("queue_job_dashboard_tour", {test: true}, [
        {
            content: "The throughput chart is drawn from the history: 4 jobs done",
            trigger:
                ".o_queue_job_overview canvas[data-chart='throughput'][data-total='4']",
            extra_trigger: "tr[data-channel='root.other'] .o_queue_job_pause",
            run: function () {
                const canvas = document.querySelector(
                    "canvas[data-chart='throughput']"
                );
                if (!window.Chart || canvas.width === 0) {
                    fail("Chart.js did not draw the throughput chart");
                }
                const latency = document.querySelector("canvas[data-chart='latency']");
                if (latency.dataset.points !== canvas.dataset.points) {
                    fail("the latency chart has other points than the throughput one");
                }
            },
        },
        {
            content: "The failing function is listed with its last error",
            trigger: ".o_queue_job_failing td:contains('res.partner.write')",
            extra_trigger: ".o_queue_job_failing td:contains('x_tour_dashboard_code')",
            run: function () {},
        },
        {
            content: "The runner leading the database is shown",
            trigger: ".o_queue_job_runners:contains('tour-runner-host')",
            run: function () {},
        },
        {
            content: "Switch to the last 24 hours",
            trigger: ".o_queue_job_window[data-window='24h']",
        },
        {
            content: "The 24 h window is drawn, with the same jobs",
            trigger: ".o_queue_job_window.active[data-window='24h']",
            extra_trigger: "canvas[data-chart='throughput'][data-total='4']",
            run: function () {},
        },
        {
            content: "Pause the channel root.tour",
            trigger: "tr[data-channel='root.tour'] .o_queue_job_pause",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
        },
        {
            content: "The channel shows as paused",
            trigger: "tr[data-channel='root.tour'] .o_queue_job_paused",
            extra_trigger: "body:not(:has(.modal))",
            run: function () {},
        },
        {
            content: "Set its capacity to 3",
            trigger: "tr[data-channel='root.tour'] input.o_queue_job_capacity_input",
            run: "text 3",
        },
        {
            content: "Apply the capacity",
            trigger: "tr[data-channel='root.tour'] .o_queue_job_set_capacity",
        },
        {
            content: "Confirm the capacity",
            trigger: ".modal-footer .btn-primary",
        },
        {
            content: "Resume it",
            trigger: "tr[data-channel='root.tour'] .o_queue_job_resume",
            extra_trigger: "body:not(:has(.modal))",
        },
        {
            content: "Confirm the resume",
            trigger: ".modal-footer .btn-primary",
        },
        {
            content: "Resumed",
            trigger: "tr[data-channel='root.tour'] .o_queue_job_pause",
            extra_trigger: "body:not(:has(.modal))",
            run: function () {},
        },
    ]);

    tour.register("queue_job_stop_running_job_tour", {test: true}, [
        tour.stepUtils.showAppsMenuItem(),
        {
            content: "Open the Job Queue app",
            trigger: '.o_app[data-menu-xmlid="queue_job.menu_queue_job_root"]',
        },
        {
            content: "Open the Queue menu",
            trigger: '.o_menu_sections .dropdown-toggle:contains("Queue")',
        },
        {
            content: "Open the Jobs",
            trigger: '.o_menu_sections [data-menu-xmlid="queue_job.menu_queue_job"]',
        },
        {
            content: "Open the running job",
            trigger: `.o_list_view .o_data_row:contains("Started") td[name='name']:contains("${RUNNING_JOB}")`,
        },
        {
            content: "Stop it",
            trigger: ".o_form_view .o_statusbar_buttons button[name='button_stop']",
            extra_trigger: `.o_form_view:contains("${RUNNING_JOB}") .o_statusbar_status button[data-value="started"][aria-checked="true"]`,
        },
        {
            content: "Confirm the stop",
            // with a dialog open, the tour looks for triggers inside it
            trigger: ".modal-footer .btn-primary",
            extra_trigger: '.modal-body:contains("Stop this running job")',
        },
        {
            content: "The job is cancelled, the Stop button gone",
            trigger:
                '.o_statusbar_status button[data-value="cancelled"][aria-checked="true"]',
            extra_trigger: "body:not(:has(.modal))",
            run: function () {
                const stop = document.querySelector(
                    ".o_statusbar_buttons button[name='button_stop']"
                );
                if (stop && stop.offsetParent !== null) {
                    fail("the Stop button is still shown on a cancelled job");
                }
            },
        },
        {
            content: "The chatter says who stopped it",
            trigger: '.o_Message:contains("stopped while running by")',
            run: function () {},
        },
    ]);
});
