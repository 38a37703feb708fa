// Owned by the vault-adapter issue's implementer; see /work/helper-brief.md.
export {};
