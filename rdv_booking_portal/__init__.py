from . import controllers, demo, models, report, routers, schemas
