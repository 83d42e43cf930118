#!/bin/sh
# Every figure of issue 16's table, in one go (~15 min on the 2-core VM; each script is bounded and
# cleans up its processes). Run from the checkout's root after `pip install -e '.[test,bench]'`.
# Repeat it (or a line of it) to see the spread: the VM is shared and noisy.
set -e
PY=${PY:-.venv/bin/python}
# lag behind `kubectl get endpointslices -w` (median, p95) and terminal bytes per deletion round
$PY benchmarks/event_lag.py --rounds 20
# 10k Services / 100k pods: first full tree (vs kubectl's lists), findings complete, event→painted p95
# at 100 changes/s, then the ramp to the highest rate the app keeps up with
$PY benchmarks/scale_tree.py --services 10000 --pods 100000 --rate 100 --seconds 30 \
    --ramp 200,400,800,1000,1400,2000 --step 10 --kubectl svc,endpointslices
# imports before the first request, the tree on a running cluster, --demo to the first tree
$PY benchmarks/startup.py --runs 5 --importtime
