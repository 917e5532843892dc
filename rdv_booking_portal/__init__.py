from . import controllers, demo, http_database, http_limits, models, report, routers, schemas
