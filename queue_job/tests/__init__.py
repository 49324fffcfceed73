from . import (
    test_delay_doctests,
    test_delay_graph,
    test_helpers,
    test_install,
    test_json_field,
    test_model_job_channel,
    test_model_job_function,
    test_queue_job_protected_write,
    test_ui_access,
    test_ui_tours,
    test_ui_views,
    test_wizards,
)
