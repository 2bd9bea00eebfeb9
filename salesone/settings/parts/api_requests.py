"""What one API request may send (body size, JSON nesting), its request id, and the headers the SPA may read."""

from ..env import env_int, env_str

# Largest request body read into memory, file uploads excepted (they have CLIENT_FILE_MAX_BYTES; the
# webhooks TRACKING_WEBHOOK_MAX_BYTES and WORKFLOW_HOOK_MAX_BYTES). Over it: a JSON 413 saying the limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Deepest nesting of arrays and objects accepted in a JSON body; deeper is a 400 (never a RecursionError).
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)
# Header carrying the request id from the proxy (made up when absent or malformed), echoed in the
# response and written in every log line of the request.
REQUEST_ID_HEADER = env_str("REQUEST_ID_HEADER", "X-Request-ID")
# Response headers the SPA's JavaScript may read across origins (CORS): the id to quote in a support
# request, and how long to wait after a 429.
CORS_EXPOSE_HEADERS = [REQUEST_ID_HEADER, "Retry-After"]
