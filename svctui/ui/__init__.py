"""The terminal UI (the only package that imports textual)."""

import os

# Textual paints at most MAX_FPS frames a second and a change waits for the next frame: at its default
# of 60 that wait alone was ~8 ms of the lag behind `kubectl -w` (benchmarks/event_lag.py: median
# 50.3 / 48.1 ms at 60, 41.2 / 36.5 ms at 120, runs alternated). Repaints stay capped by the app's
# own token bucket, so idle and steady load cost no more frames. Read when textual is first imported;
# TEXTUAL_FPS in the environment still wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
