/**
 * Live status: replaces the page's live fragment with what /status/events pushes (the server
 * renders it, so there is one template). Without script, a noscript refresh does the job.
 */
interface StatusEvent {
  html: string;
  live: boolean;
}

const live = document.getElementById('live');
if (live && live.dataset.live === 'true' && 'EventSource' in window) {
  const source = new EventSource('/status/events');
  source.addEventListener('status', (e) => {
    const data = JSON.parse((e as MessageEvent<string>).data) as StatusEvent;
    live.innerHTML = data.html;
    live.dataset.live = String(data.live);
  });
  source.addEventListener('done', () => source.close());
}

export {};
