// Owned by the cerebro-config issue's implementer; see /work/helper-brief.md.
export {};
