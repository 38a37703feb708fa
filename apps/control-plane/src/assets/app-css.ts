/** The only stylesheet: readable defaults, visible focus, errors that do not rely on colour. */
export const APP_CSS = `
:root { --ink: #1b1f24; --muted: #57606a; --accent: #0b57d0; --error: #b3261e; --ok: #146c2e; --warn: #8a5300; --bg: #fff; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 42rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
main:focus { outline: none; }
.site-header, .site-footer { max-width: 42rem; margin: 0 auto; padding: 1rem 1.25rem; }
.site-footer { color: var(--muted); font-size: .875rem; }
.brand { font-weight: 700; color: var(--ink); text-decoration: none; }
.skip-link { position: absolute; left: -999px; }
.skip-link:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
h1 { font-size: 1.75rem; line-height: 1.2; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.field { margin: 0 0 1.5rem; padding: 0; border: 0; }
fieldset.field { min-width: 0; }
label, legend { display: block; font-weight: 600; margin-bottom: .25rem; }
.choice { display: flex; gap: .5rem; align-items: flex-start; margin: .25rem 0; }
.choice label { font-weight: 400; margin: 0; }
.hint { color: var(--muted); margin: 0 0 .35rem; font-size: .95rem; }
input[type=text], input[type=email], input[type=number], select { width: 100%; max-width: 30rem; padding: .5rem; font: inherit; border: 2px solid var(--ink); border-radius: 4px; background: #fff; }
input[type=number] { max-width: 8rem; }
[aria-invalid=true] { border-color: var(--error); border-width: 3px; }
.field-error { color: var(--error); font-weight: 600; margin: .35rem 0 0; }
.field-error::before { content: "⚠ "; }
.error-summary { border: 4px solid var(--error); padding: 1rem; margin-bottom: 1.5rem; }
.error-summary h2 { margin-top: 0; font-size: 1.25rem; }
.error-summary a { color: var(--error); font-weight: 600; }
.live-status { min-height: 1.5em; margin: .35rem 0 0; }
.live-status[data-ok=true] { color: var(--ok); }
.live-status[data-ok=false] { color: var(--error); }
.button { font: inherit; font-weight: 600; padding: .6rem 1.1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
.secondary-button { background: #fff; color: var(--accent); border: 2px solid var(--accent); }
.notice { border-left: 6px solid var(--accent); padding: .5rem 1rem; background: #f0f5ff; }
.secondary { margin-top: 3rem; border-top: 1px solid var(--line); }
.inline-form label { margin-top: .5rem; }
.inline-form button { margin-top: .75rem; }
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.message { border-left: 6px solid var(--accent); padding: .25rem 1rem; margin: 1rem 0; }
.message-success { border-color: var(--ok); } .message-warning { border-color: var(--warn); } .message-error { border-color: var(--error); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; }
.steps { padding-left: 1.25rem; } .step { margin: .35rem 0; }
.step-status { color: var(--muted); } .step-succeeded .step-status { color: var(--ok); } .step-failed .step-status, .step-error { color: var(--error); }
.actions { display: flex; gap: 1rem; flex-wrap: wrap; margin-top: 1.5rem; }
.reference { color: var(--muted); font-size: .875rem; margin-top: 2rem; }
`;
