export * from './chat.port.js';
export { AiSdkChatModel, toModelMessages } from './ai-sdk.chat-model.js';
export { createChatModel, type ChatModelOptions } from './create-chat-model.js';
export { createUsageRecorder, type UsageRecorder } from './usage.metrics.js';
