/**
 * Wire contracts, no I/O: the Kafka envelopes and their codecs (a capture's
 * encoding, the PNG check), the dead-letter headers, the CIFAR-100 record layout,
 * the fleet's topics (heartbeats, actor trees, log lines), W3C trace context, the
 * acknowledgement tokens between sources and sinks, and the JSON bodies of the
 * predict API, the Open Inference Protocol (v2) and the ops endpoint.
 *
 * Stable: each envelope carries its version (`v`), and a change to one is a new
 * version that readers refuse until they know it.
 * @module
 */
export type { Decoded } from "./_decode.ts";
export type { ModelDescription, PredictError, PredictErrorCode, PredictResponse } from "./predict.ts";
export {
  type OipError,
  type OipInferRequest,
  type OipInferResponse,
  type OipModelMetadata,
  type OipRequestInput,
  type OipRequestOutput,
  type OipResponseOutput,
  type OipServerMetadata,
} from "./open_inference.ts";
export {
  CIFAR_COARSE_CLASSES,
  CIFAR_FINE_CLASSES,
  CIFAR_PIXEL_BYTES,
  CIFAR_RECORD_BYTES,
  CIFAR_SIDE,
  type CifarRecord,
  encodeCifarRecord,
  parseCifarRecord,
  planarToInterleaved,
} from "./cifar100.ts";
export { type Capture, captureEnvelope, capturePng, encodeCapture } from "./capture.ts";
export { checkPng, type PngCheck } from "./png_check.ts";
export {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_REASONS,
  deadLetterHeaders,
  type DeadLetterReason,
  type DeadLetterReference,
  deadLetterReference,
  REFERENCE_HEAD_BYTES,
  type Rejection,
} from "./deadletter.ts";
export {
  decodeImageEnvelope,
  encodeImageEnvelope,
  IMAGE_ENVELOPE_VERSION,
  type ImageEnvelope,
  imageIdOf,
  sha256Hex,
  type VerifiedImage,
} from "./image_envelope.ts";
export {
  decodeInferenceEnvelope,
  encodeInferenceEnvelope,
  INFERENCE_ENVELOPE_VERSION,
  type InferenceEnvelope,
  type TopClass,
} from "./inference_envelope.ts";
export type {
  ActorFigures,
  ActorsResponse,
  ConsumerFigures,
  HealthResponse,
  LatencySummary,
  ObservedSnapshot,
  PipelinePanel,
  PoolFigures,
  ReadyResponse,
  TopBy,
  TopEntry,
  TopResponse,
  WriterFigures,
} from "./ops_responses.ts";
export { type HopName, type HopReporter, HOPS, noHops } from "./hops.ts";
export {
  decodeLogRecord,
  encodeLogRecord,
  LOG_RECORD_MAX_BYTES,
  LOG_RECORD_VERSION,
  type LogFilter,
  type LogLine,
  type LogRecord,
} from "./log_record.ts";
export { decodeNodeTree, encodeNodeTree, NODE_TREE_VERSION, type NodeTree } from "./node_tree.ts";
export type {
  FleetAlert,
  FleetEdge,
  FleetGroup,
  FleetGroupStatus,
  FleetLatency,
  FleetNode,
  FleetNodeState,
  FleetSkew,
  FleetThroughputPoint,
  FleetTrace,
  FleetTraceHop,
  FleetView,
} from "./fleet_view.ts";
export {
  childTraceparent,
  newTraceparent,
  parseTraceparent,
  tracedBy,
  traceIdOf,
  type TraceParent,
  TRACEPARENT_HEADER,
} from "./trace_context.ts";
export {
  decodeNodeHeartbeat,
  encodeNodeHeartbeat,
  NODE_HEARTBEAT_VERSION,
  type NodeHeartbeat,
} from "./node_heartbeat.ts";
export { type Ack, acked, type AckRefusal, type AckReply } from "./ack.ts";
export type { RecordOut } from "./record_out.ts";
