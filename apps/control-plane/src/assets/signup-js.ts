/**
 * Progressive enhancement of the sign-up form (the form works without it): suggests the slug
 * from the organisation name, checks availability live (debounced, announced politely), keeps
 * seats and isolation within the chosen plan, shows only the chosen cloud's regions, and moves
 * focus to the error summary after a failed submit.
 */
export const SIGNUP_JS = `(() => {
  const form = document.getElementById('signup-form');
  if (!form) return;
  const summary = document.getElementById('error-summary');
  if (summary) summary.focus();
  const $ = (id) => document.getElementById(id);
  const name = $('organisationName'), slug = $('slug'), status = $('slug-status'), preview = $('slug-preview');
  let slugTouched = slug.value !== '';
  let timer, seq = 0;
  const check = (params) => {
    const mine = ++seq;
    fetch('/api/slug?' + new URLSearchParams(params), { headers: { accept: 'application/json' } })
      .then((r) => r.json())
      .then((r) => {
        if (mine !== seq || !r.slug) return;
        if (!slugTouched) slug.value = r.slug;
        preview.textContent = r.slug;
        status.dataset.ok = String(r.available);
        status.textContent = r.available ? r.hostname + ' is available' : (r.reason || 'not available');
      })
      .catch(() => {});
  };
  const later = (params) => { clearTimeout(timer); timer = setTimeout(() => check(params), 250); };
  name.addEventListener('input', () => { if (!slugTouched && name.value.trim()) later({ name: name.value }); });
  slug.addEventListener('input', () => {
    slugTouched = slug.value !== '';
    if (slug.value) later({ slug: slug.value }); else if (name.value.trim()) later({ name: name.value });
  });
  const seats = $('seats');
  const plans = form.querySelectorAll('input[name=plan]');
  const applyPlan = () => {
    const plan = form.querySelector('input[name=plan]:checked');
    if (!plan) return;
    seats.min = plan.dataset.seatsMin; seats.max = plan.dataset.seatsMax;
    const allowed = plan.dataset.isolation.split(' ');
    form.querySelectorAll('input[name=isolation]').forEach((r) => {
      r.disabled = !allowed.includes(r.value);
      if (r.disabled && r.checked) form.querySelector('input[name=isolation][value=' + allowed[0] + ']').checked = true;
    });
  };
  plans.forEach((p) => p.addEventListener('change', applyPlan));
  applyPlan();
  const cloud = $('cloud'), region = $('region');
  const applyCloud = () => {
    let firstVisible;
    region.querySelectorAll('optgroup').forEach((g) => {
      const on = g.dataset.cloud === cloud.value;
      g.hidden = !on; g.disabled = !on;
      if (on) firstVisible = g.querySelector('option');
    });
    const current = region.selectedOptions[0];
    if (!current || current.parentElement.disabled) firstVisible.selected = true;
  };
  cloud.addEventListener('change', applyCloud);
  applyCloud();
})();
`;
