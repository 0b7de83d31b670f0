import os

os.environ.setdefault("MPLBACKEND", "Agg")

# the same examples on every run and machine: a failure found once is found again, and
# the suite never passes or fails by luck (the database of past failures is not kept)
from hypothesis import settings

settings.register_profile("diffkit", derandomize=True, database=None)
settings.load_profile("diffkit")
