from . import cron_worker, demo, models, report, wizard
