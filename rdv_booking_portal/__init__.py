from . import (
    controllers,
    demo,
    http_backlog,
    http_database,
    http_errors,
    http_limits,
    models,
    report,
    routers,
    schemas,
)
