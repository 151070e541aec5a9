"""gunicorn settings for `make serve` (and the tests that start gunicorn).

The access log names worker, status, path and time, but neither the client's address
nor the query string, and a status link's token is replaced by "<geheim>": no secrets,
IP or e-mail addresses end up in server logs. The logger class enforces this whatever
the format names (app/log_redaction.py), and redacts gunicorn's error log as well.
"""

logger_class = "app.log_redaction.GunicornLogger"
accesslog = "-"
access_log_format = '%(p)s %(s)s %(U)s %(t)s "%(m)s" %(b)s %(M)sms'
# Worker restarts now and then keep slow memory growth of long-lived processes in check.
# Seldom, though: a new worker starts with an empty layer cache and builds each layer's
# index again at its first request (0.4 s at 10,000 ideas, 4 s at 100,000), and at 5,000
# requests that happened every half minute under load (bench/RESULTS.md).
max_requests = 50000
max_requests_jitter = 5000
