/** Live status: replaces the page's live fragment with what /status/events pushes. Without it, a noscript refresh does the job. */
export const STATUS_JS = `(() => {
  const live = document.getElementById('live');
  if (!live || live.dataset.live !== 'true' || !window.EventSource) return;
  const source = new EventSource('/status/events');
  source.addEventListener('status', (e) => {
    const data = JSON.parse(e.data);
    live.innerHTML = data.html;
    live.dataset.live = String(data.live);
  });
  source.addEventListener('done', () => source.close());
})();
`;
