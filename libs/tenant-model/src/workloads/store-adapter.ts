// Owned by the store-adapter issue's implementer; see /work/helper-brief.md.
export {};
