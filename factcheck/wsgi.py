import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

from factcheck.startup import load_and_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application: WSGIHandler = get_wsgi_application()

load_and_freeze()
