/**
 * `troupe/inference-kafka`: the model pool fed from Kafka. Troupe's topic consumer
 * on an images topic hands chunks of images to the inference sink (troupe/inference;
 * partitions paused while the pool's queue is full); the results go to a Kafka
 * producer on the inferences topic with their images' acknowledgement tokens, and
 * the offsets are committed once the brokers have the results.
 * @module
 */
export {
  type InferenceConsumer,
  type InferenceConsumerOptions,
  type InferenceConsumerStats,
  newInferenceConsumerStats,
  startInferenceConsumer,
} from "./consumer.ts";
