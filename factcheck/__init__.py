import os

# One BLAS thread per process, set before anything loads numpy (OpenBLAS reads this once, when
# it starts). The desk runs several processes (web workers, Celery's prefork children) on few
# cores, and our numpy work is small products: language identification's 7,480 x 97 one took
# 1.4 ms with OpenBLAS's threads on a busy 2-core machine and 0.76 ms with one. An operator's
# own value is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# The Celery app (`factcheck.celery`) is not loaded here but by `articles.tasks`, which every
# sender of a task imports: a process that sends none (`manage.py aggregate`) starts without it.
