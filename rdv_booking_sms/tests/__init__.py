from . import (
    test_budget,
    test_channel,
    test_desk,
    test_gateway,
    test_one_clock,
    test_reminders,
    test_statuses,
    test_templates,
    test_tour,
)
