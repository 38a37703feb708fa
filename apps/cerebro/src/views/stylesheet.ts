/** The one stylesheet: readable on a phone, visible focus, enough contrast; no framework. */
export const CEREBRO_CSS = `
:root{--fg:#1b1f23;--muted:#57606a;--bg:#fff;--line:#d0d7de;--accent:#0b5cad;--danger:#a40e26;--ok:#116329;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:var(--fg);background:var(--bg)}
body{margin:0}
.skip-link{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip-link:focus{left:.5rem;z-index:10}
.site-header{display:flex;flex-wrap:wrap;gap:.75rem 1.5rem;align-items:center;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
.brand{font-weight:700;color:var(--fg);text-decoration:none}
/* Brand and Sign out share the first row; the navigation has a row of its own, however many links the hub adds. */
.site-header nav{order:3;flex-basis:100%}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
nav a[aria-current=page]{font-weight:700;text-decoration:underline}
.sign-out{margin-left:auto;display:flex;gap:.5rem;align-items:center}
.who{color:var(--muted)}
time{white-space:nowrap}
main{max-width:60rem;margin:0 auto;padding:1rem}
main:focus{outline:none}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f2b600;outline-offset:2px}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.hint{color:var(--muted);font-size:.9rem;margin:.1rem 0}
input[type=text],input[type=email],input[type=password],input[type=number],select,textarea{width:100%;max-width:28rem;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #6e7781;border-radius:4px}
button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;margin:.5rem .25rem .25rem 0}
button.secondary,form.inline button{background:#fff;color:var(--accent)}
button.danger{border-color:var(--danger);background:#fff;color:var(--danger)}
form.inline{display:inline}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.table-wrap{overflow-x:auto}
.notice{border-left:4px solid var(--accent);background:#f3f8fd;padding:.5rem .75rem}
.error{border-left:4px solid var(--danger);background:#fdf3f4;padding:.5rem .75rem}
.ok{color:var(--ok)}
.badge{display:inline-block;padding:0 .4rem;border:1px solid var(--line);border-radius:1rem;font-size:.85rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
@media (max-width:40rem){th,td{padding:.3rem}.sign-out{margin-left:0}}
`;
