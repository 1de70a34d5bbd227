/**
 * onnx-proto (ONNX's protobuf messages), an optional peer dependency of troupe
 * needed to build, read and quantize ONNX models; a missing package is named in
 * the error when troupe/inference is imported.
 */
import type onnxProto from "onnx-proto";
import { importOptional } from "../../system/optional_package.ts";

const loaded = await importOptional(
  "onnx-proto",
  "^8.0.1",
  "troupe/inference (ONNX models)",
  () => import("onnx-proto"),
);

/** ONNX's messages (`onnx.ModelProto`, `onnx.TensorProto`, ...). */
export const onnx: typeof onnxProto.onnx = loaded.default.onnx;
