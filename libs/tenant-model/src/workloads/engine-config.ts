// Owned by the engine-config issue's implementer; see /work/helper-brief.md.
export {};
