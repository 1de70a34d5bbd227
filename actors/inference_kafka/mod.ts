/**
 * `troupe/inference-kafka`: the model pool fed from Kafka. Troupe's topic consumer
 * on an images topic hands chunks of images to the inference sink (partitions
 * paused while the pool's queue is full); the sink produces the results to an
 * inferences topic and answers the images' acknowledgement tokens, and the offsets
 * are committed after Kafka took the results.
 * @module
 */
export {
  type InferenceConsumer,
  type InferenceConsumerOptions,
  type InferenceConsumerStats,
  newInferenceConsumerStats,
  startInferenceConsumer,
} from "./consumer.ts";
export { type ImageItem, inferSink, type InferSinkMsg, type InferSinkOptions } from "./infer_sink.ts";
