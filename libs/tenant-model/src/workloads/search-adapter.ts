// Owned by the search-adapter issue's implementer; see /work/helper-brief.md.
export {};
