"""Drives a troupe predict API with Triton's own HTTP client (tritonclient, from
PyPI): the Open Inference Protocol as clients that no one at troupe wrote speak it.

Usage: python triton_http_client.py <host:port> <model> < request.json
request.json: {"nhwc": false, "dims": [3, 2, 2], "tensors": [[...floats...], ...],
               "pngs": ["<base64>", ...], "output": "y"}
Prints one JSON object with what each call returned (or the error it raised).
"""
import base64
import json
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

url, model = sys.argv[1], sys.argv[2]
req = json.load(sys.stdin)
client = httpclient.InferenceServerClient(url=url)
out = {}


def attempt(name, fn):
    try:
        out[name] = fn()
    except InferenceServerException as err:
        out[name] = {"error": err.message(), "status": err.status()}


out["live"] = client.is_server_live()
out["ready"] = client.is_server_ready()
out["model_ready"] = client.is_model_ready(model)
out["server"] = client.get_server_metadata()
out["metadata"] = client.get_model_metadata(model)
out["config"] = client.get_model_config(model)
meta = out["metadata"]
inp_name = meta["inputs"][0]["name"]
output = req["output"]

tensors = np.array(req["tensors"], dtype=np.float32).reshape([len(req["tensors"])] + req["dims"])


def infer_fp32(binary):
    inp = httpclient.InferInput(inp_name, list(tensors.shape), "FP32")
    inp.set_data_from_numpy(tensors, binary_data=binary)
    res = client.infer(model, [inp], outputs=[httpclient.InferRequestedOutput(output, binary_data=binary)],
                       request_id="fp32-%s" % binary)
    return {"id": res.get_response().get("id"), "values": res.as_numpy(output).tolist()}


attempt("fp32_binary", lambda: infer_fp32(True))
attempt("fp32_json", lambda: infer_fp32(False))

pngs = np.array([base64.b64decode(p) for p in req["pngs"]], dtype=np.object_)


def infer_png(binary, classes):
    inp = httpclient.InferInput("image", [len(pngs)], "BYTES")
    inp.set_data_from_numpy(pngs, binary_data=True)
    wanted = httpclient.InferRequestedOutput(output, binary_data=binary, class_count=classes)
    res = client.infer(model, [inp], outputs=[wanted])
    arr = res.as_numpy(output)
    if classes:
        return [[(v.decode() if isinstance(v, bytes) else v) for v in row] for row in arr.tolist()]
    return arr.tolist()


attempt("png_raw", lambda: infer_png(True, 0))
attempt("png_classes_binary", lambda: infer_png(True, 2))
attempt("png_classes_json", lambda: infer_png(False, 2))


def unknown_model():
    inp = httpclient.InferInput(inp_name, list(tensors.shape), "FP32")
    inp.set_data_from_numpy(tensors)
    client.infer("no-such-model", [inp])


def wrong_shape():
    bad = np.zeros([1, 5], dtype=np.float32)
    inp = httpclient.InferInput(inp_name, [1, 5], "FP32")
    inp.set_data_from_numpy(bad)
    client.infer(model, [inp])


attempt("unknown_model", unknown_model)
attempt("wrong_shape", wrong_shape)
print(json.dumps(out))
