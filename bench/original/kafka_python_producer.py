"""The original system's producer, for `npm run bench`: kafka-python sending
image envelopes (the same base64-PNG JSON bytes troupe's simulator sends) with
acks=all and the client's other defaults, timed from the first send to the end
of the final flush.

Usage: python kafka_python_producer.py <brokers> <topic> <envelopes file>
The file holds one record per line: key, a tab, the JSON envelope.
Prints one JSON line: {"records": n, "recordsPerS": rate, "kafkaPython": version}.
"""
import json
import sys
import time

import kafka
from kafka import KafkaProducer

brokers, topic, path = sys.argv[1], sys.argv[2], sys.argv[3]
records = []
with open(path, "rb") as f:
    for line in f:
        key, value = line.rstrip(b"\n").split(b"\t", 1)
        records.append((key, value))
producer = KafkaProducer(bootstrap_servers=brokers.split(","), acks="all")
producer.partitions_for(topic)  # metadata first, as troupe's producer connects before the clock starts
t0 = time.perf_counter()
for key, value in records:
    producer.send(topic, key=key, value=value)
producer.flush()
secs = time.perf_counter() - t0
producer.close()
print(json.dumps({"records": len(records), "recordsPerS": len(records) / secs, "kafkaPython": kafka.__version__}))
