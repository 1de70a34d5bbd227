"""The original system's producer, for `npm run bench`: kafka-python sending
image envelopes (the same base64-PNG JSON bytes troupe's simulator sends) with
acks=all and the client's other defaults, timed from the first send to the end
of the final flush.

Usage: python kafka_python_producer.py <brokers> <topic> <envelopes file> [<batch bytes> <linger ms>]
The file holds one record per line: key, a tab, the JSON envelope. With the last
two arguments it batches as troupe's producer does (batch_size, linger_ms);
without them it keeps kafka-python's defaults (16 KiB batches, linger 0).
Prints one JSON line: {"records": n, "recordsPerS": rate, "kafkaPython": version}.
"""
import json
import sys
import time

import kafka
from kafka import KafkaProducer

brokers, topic, path = sys.argv[1], sys.argv[2], sys.argv[3]
batching = {}
if len(sys.argv) > 5:
    batching = {"batch_size": int(sys.argv[4]), "linger_ms": int(sys.argv[5])}
records = []
with open(path, "rb") as f:
    for line in f:
        key, value = line.rstrip(b"\n").split(b"\t", 1)
        records.append((key, value))
producer = KafkaProducer(bootstrap_servers=brokers.split(","), acks="all", **batching)
producer.partitions_for(topic)  # metadata first, as troupe's producer connects before the clock starts
t0 = time.perf_counter()
for key, value in records:
    producer.send(topic, key=key, value=value)
producer.flush()
secs = time.perf_counter() - t0
producer.close()
print(json.dumps({"records": len(records), "recordsPerS": len(records) / secs, "kafkaPython": kafka.__version__}))
