import gc
import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

application: WSGIHandler = get_wsgi_application()

# What start-up loaded (Django, the apps, numpy, scikit-learn: about 200k objects) lives as long
# as the process: frozen out of the garbage collector's full passes, which would otherwise walk
# all of it (0.1-0.25 s a pass on a busy 2-core machine) inside whichever request sets one off.
gc.freeze()
