"""gunicorn settings for `make serve` (and the tests that start gunicorn).

The access log names worker, status, path and time, but neither the client's address
nor the query string: no IP addresses or e-mail addresses end up in server logs.
"""

accesslog = "-"
access_log_format = '%(p)s %(s)s %(U)s %(t)s "%(m)s" %(b)s %(M)sms'
# Worker restarts now and then keep slow memory growth of long-lived processes in check.
max_requests = 5000
max_requests_jitter = 500
