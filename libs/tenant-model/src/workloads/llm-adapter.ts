// Owned by the llm-adapter issue's implementer; see /work/helper-brief.md.
export {};
