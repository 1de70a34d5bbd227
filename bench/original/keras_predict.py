"""The original system's inference path, for `npm run bench`: Keras ResNet50
(untrained, `weights=None`, as troupe's generated model) called through
`model.predict` as its Flask API did, at batch 1 and at the pool's batch size.

Usage: python keras_predict.py <seconds> <batch> [<batch> ...]
Prints one JSON line: {"tensorflow": version, "rates": {"<batch>": images/s}}.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

seconds = float(sys.argv[1])
batches = [int(b) for b in sys.argv[2:]]
model = tf.keras.applications.ResNet50(weights=None)
rng = np.random.default_rng(1)
rates = {}
for batch in batches:
    x = rng.random((batch, 224, 224, 3), dtype=np.float32) * 255
    x = tf.keras.applications.resnet50.preprocess_input(x)
    model.predict(x, batch_size=batch, verbose=0)  # warm-up: graph tracing, buffers
    model.predict(x, batch_size=batch, verbose=0)
    images = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        model.predict(x, batch_size=batch, verbose=0)
        images += batch
    rates[str(batch)] = images / (time.perf_counter() - t0)
print(json.dumps({"tensorflow": tf.__version__, "rates": rates}))
