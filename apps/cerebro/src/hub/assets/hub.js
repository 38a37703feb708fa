/* global document, window, fetch, AbortController, URLSearchParams, TextDecoder */
// Progressive enhancement of the chat form: stream the answer (SSE over a fetch POST) and offer
// a Stop button. Without this script the same form posts and the page reloads with the answer.
(() => {
  const form = document.getElementById('composer');
  const transcript = document.getElementById('transcript');
  if (!form || !transcript || !window.fetch || !window.TextDecoder) return;
  const send = document.getElementById('send');
  const stop = document.getElementById('stop');
  const textarea = form.querySelector('textarea');
  const csrf = form.querySelector('input[name="_csrf"]');
  let controller = null;

  const item = (cls, label, text) => {
    const li = document.createElement('li');
    li.className = `msg ${cls}`;
    if (label) {
      const strong = document.createElement('strong');
      strong.textContent = label;
      li.appendChild(strong);
    }
    const p = document.createElement('p');
    p.textContent = text;
    li.appendChild(p);
    transcript.appendChild(li);
    return p;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = textarea.value.trim();
    if (!message || controller) return;
    item('user', 'You', message);
    textarea.value = '';
    let answer = null;
    controller = new AbortController();
    send.disabled = true;
    stop.hidden = false;
    stop.focus();
    try {
      const body = new URLSearchParams({ message, _csrf: csrf ? csrf.value : '' });
      const res = await fetch(form.dataset.stream, {
        method: 'POST',
        body,
        headers: { accept: 'text/event-stream', 'x-csrf-token': csrf ? csrf.value : '' },
        signal: controller.signal,
      });
      if (!res.ok || !res.body) {
        item(
          'notice',
          '',
          `The message was not sent (HTTP ${res.status}). ${await res.text().catch(() => '')}`.slice(0, 500),
        );
        return;
      }
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const line = buffer.slice(0, cut).replace(/^data: /, '');
          buffer = buffer.slice(cut + 2);
          const e = JSON.parse(line);
          if (e.type === 'text') {
            if (!answer) answer = item('assistant', 'Assistant', '');
            answer.textContent += e.delta;
          } else if (e.type === 'tool-start') {
            answer = null;
            item('tool', '', `Calling ${e.tool} with ${e.args}…`);
          } else if (e.type === 'tool-end') {
            item(`tool outcome-${e.outcome}`, '', `${e.tool}: ${e.outcome} (${e.durationMs} ms) — ${e.text}`);
          } else if (e.type === 'notice') {
            answer = null;
            item('notice', '', e.message);
          }
        }
      }
    } catch (error) {
      if (error.name !== 'AbortError')
        item('notice', '', 'The connection was lost; reload to see what was kept.');
      else item('notice', '', 'Stopped. What was said so far is kept.');
    } finally {
      controller = null;
      send.disabled = false;
      stop.hidden = true;
      textarea.focus();
    }
  });
  stop.addEventListener('click', () => controller && controller.abort());
})();
