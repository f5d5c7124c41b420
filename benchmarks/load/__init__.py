"""The HTTP load benchmark (``manage.py bench_http``): people in browsers of their own against
gunicorn with production's settings, on a database and a registry sandbox of the run's own."""
