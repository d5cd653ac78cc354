import os

from django.core.asgi import get_asgi_application
from django.core.handlers.asgi import ASGIHandler

from factcheck.startup import load_and_freeze

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application: ASGIHandler = get_asgi_application()

load_and_freeze()
