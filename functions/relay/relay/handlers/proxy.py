"""The proxy routes (one ASGI app, routes/proxy.py): `app` for uvicorn (run.sh, behind the Lambda Web Adapter on
a Function URL, streaming; and `make dev`), `handler` for API Gateway (Mangum: the same app, buffered)."""

from mangum import Mangum

from relay.routes.proxy import app

handler = Mangum(app, lifespan="off")
