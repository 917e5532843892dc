from . import controllers, demo, http_backlog, http_limits, models, report, routers, schemas
