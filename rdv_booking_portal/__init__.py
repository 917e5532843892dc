from . import controllers, demo, http_limits, models, report, routers, schemas
