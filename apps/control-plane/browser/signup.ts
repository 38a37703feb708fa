/**
 * Progressive enhancement of the sign-up form (the form works without it): suggests the slug
 * from the organisation name, checks availability live (debounced, announced politely), keeps
 * seats and isolation within the chosen plan, shows only the chosen cloud's regions, and moves
 * focus to the error summary after a failed submit.
 */
interface SlugAnswer {
  slug?: string;
  available?: boolean;
  hostname?: string;
  reason?: string;
}

const form = document.getElementById('signup-form');
if (form) enhance(form as HTMLFormElement);

function enhance(form: HTMLFormElement): void {
  document.getElementById('error-summary')?.focus();
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const name = $<HTMLInputElement>('organisationName');
  const slug = $<HTMLInputElement>('slug');
  const status = $<HTMLElement>('slug-status');
  const preview = $<HTMLElement>('slug-preview');
  let slugTouched = slug.value !== '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  const check = (params: Record<string, string>) => {
    const mine = ++seq;
    fetch(`/api/slug?${new URLSearchParams(params)}`, { headers: { accept: 'application/json' } })
      .then((r) => r.json() as Promise<SlugAnswer>)
      .then((r) => {
        if (mine !== seq || !r.slug) return;
        if (!slugTouched) slug.value = r.slug;
        preview.textContent = r.slug;
        status.dataset.ok = String(r.available);
        status.textContent = r.available ? `${r.hostname} is available` : r.reason || 'not available';
      })
      .catch(() => {});
  };
  const later = (params: Record<string, string>) => {
    clearTimeout(timer);
    timer = setTimeout(() => check(params), 250);
  };
  name.addEventListener('input', () => {
    if (!slugTouched && name.value.trim()) later({ name: name.value });
  });
  slug.addEventListener('input', () => {
    slugTouched = slug.value !== '';
    if (slug.value) later({ slug: slug.value });
    else if (name.value.trim()) later({ name: name.value });
  });

  const seats = $<HTMLInputElement>('seats');
  const applyPlan = () => {
    const plan = form.querySelector<HTMLInputElement>('input[name=plan]:checked');
    if (!plan) return;
    seats.min = plan.dataset.seatsMin ?? '';
    seats.max = plan.dataset.seatsMax ?? '';
    const allowed = (plan.dataset.isolation ?? '').split(' ');
    form.querySelectorAll<HTMLInputElement>('input[name=isolation]').forEach((r) => {
      r.disabled = !allowed.includes(r.value);
      if (r.disabled && r.checked) {
        const first = form.querySelector<HTMLInputElement>(`input[name=isolation][value=${allowed[0]}]`);
        if (first) first.checked = true;
      }
    });
  };
  form.querySelectorAll('input[name=plan]').forEach((p) => p.addEventListener('change', applyPlan));
  applyPlan();

  const cloud = $<HTMLSelectElement>('cloud');
  const region = $<HTMLSelectElement>('region');
  const applyCloud = () => {
    let firstVisible: HTMLOptionElement | null = null;
    region.querySelectorAll('optgroup').forEach((g) => {
      const on = g.dataset.cloud === cloud.value;
      g.hidden = !on;
      g.disabled = !on;
      if (on) firstVisible = g.querySelector('option');
    });
    const current = region.selectedOptions[0];
    const group = current?.parentElement as HTMLOptGroupElement | null | undefined;
    if ((!current || group?.disabled) && firstVisible) (firstVisible as HTMLOptionElement).selected = true;
  };
  cloud.addEventListener('change', applyCloud);
  applyCloud();
}

export {};
