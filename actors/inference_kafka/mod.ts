/**
 * The model pool fed from Kafka: a consumer-group member on an images topic whose
 * images go to the pool in chunks (partitions paused while its queue is full),
 * results produced to an inferences topic, offsets committed after Kafka took them.
 * @module
 */
export {
  inferenceConsumer,
  type InferenceConsumerMsg,
  type InferenceConsumerOptions,
  inferenceConsumerSpec,
  type InferenceConsumerStats,
  newInferenceConsumerStats,
} from "./consumer.ts";
