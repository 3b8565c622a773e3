#!/bin/bash
# ProxyStreamFunction's handler: the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap) runs this and
# forwards each invocation to the app on AWS_LWA_PORT, streaming its answer (AWS_LWA_INVOKE_MODE=response_stream).
# The suite's layer is in /opt/python; the function's own code in $LAMBDA_TASK_ROOT.
PYTHONPATH="/opt/python:${LAMBDA_TASK_ROOT}" exec python -m uvicorn --host 127.0.0.1 --port "${AWS_LWA_PORT:-8000}" \
    --no-access-log --timeout-keep-alive 60 relay.handlers.proxy:app
