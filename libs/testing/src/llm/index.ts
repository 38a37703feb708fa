export * from './scripted-llm-server.js';
