// Test support of the backbone (imported as @settle/messaging/testing; tests only).
export { startTopicTap, type TopicTap, topicCreationWaitMs } from './topic-tap';
export { waitFor } from './harness';
