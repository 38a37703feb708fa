/**
 * The seeds' worked examples (seed 004) as a corpus: a bank (org compliance rule, a team's
 * disclaimer, a person's signature), a hospital whose departments must not see each other, and a
 * freelancer whose two clients are walled off. Expected visibility is written out by hand per
 * principal — it is the specification the tests hold the code to.
 */
import type { KnowledgeActor, KnowledgeScope, SearchPrincipal } from '../src/index.js';

export interface SeedDoc {
  readonly title: string;
  readonly scope: KnowledgeScope;
  readonly policyKey?: string;
  readonly text: string;
}

export const manager = (tenant: string, userId = 'boss'): KnowledgeActor => ({
  tenant,
  userId,
  roles: ['manager'],
  groups: [],
});

export const BANK = 'bank';
export const bankDocs: SeedDoc[] = [
  {
    title: 'sarah-disclaimer',
    scope: { level: 'P5', userId: 'sarah@bank.example' },
    policyKey: 'email-disclaimer',
    text: 'My default disclaimer: This email is not investment advice. — Sarah Chen, VP Equity Research',
  },
  {
    title: 'sarah-signature',
    scope: { level: 'P5', userId: 'sarah@bank.example' },
    policyKey: 'email-signature',
    text: 'My email signature: Best regards, Sarah',
  },
  {
    title: 'equity-disclaimer',
    scope: { level: 'P4', groupId: 'equity-research' },
    policyKey: 'email-disclaimer',
    text: 'Equity Research team: All outbound emails MUST include the SEC disclaimer. No forward-looking statements without legal pre-approval.',
  },
  {
    title: 'org-disclaimer',
    scope: { level: 'P3' },
    policyKey: 'email-disclaimer',
    text: 'Default email disclaimer for everyone at the firm: This message is confidential.',
  },
  {
    title: 'org-email-limits',
    scope: { level: 'P3' },
    policyKey: 'email-limits',
    text: 'Firm-wide policy: max 50 external emails per day per person. No client PII in email subjects. BCC compliance@bank.example on all client communications.',
  },
  {
    title: 'email-plugin-docs',
    scope: { level: 'P2', plugin: 'email' },
    text: 'Email plugin docs: use email-send for individual messages, email-send-html for formatted reports.',
  },
  {
    title: 'handbook',
    scope: { level: 'P1', engine: 'mcp1' },
    text: 'Company handbook: code of conduct, insider trading policies, communication standards, approved vendor list.',
  },
  {
    title: 'trading-desk-limits',
    scope: { level: 'P4', groupId: 'trading' },
    text: 'Trading desk: intraday position limit 5 million; escalate breaches to the desk head within 15 minutes.',
  },
];

export const sarah: SearchPrincipal = {
  tenant: BANK,
  userId: 'sarah@bank.example',
  groups: ['equity-research'],
  plugins: ['email'],
  engines: ['mcp1'],
};
export const tom: SearchPrincipal = {
  tenant: BANK,
  userId: 'tom@bank.example',
  groups: ['equity-research'],
  plugins: [],
  engines: ['mcp1'],
};
export const ann: SearchPrincipal = {
  tenant: BANK,
  userId: 'ann@bank.example',
  groups: ['trading'],
  plugins: ['email'],
  engines: [],
};

/** Every title each principal may see after the cascade (override applied). */
export const bankExpected: Record<string, string[]> = {
  sarah: ['sarah-disclaimer', 'sarah-signature', 'org-email-limits', 'email-plugin-docs', 'handbook'],
  tom: ['equity-disclaimer', 'org-email-limits', 'handbook'],
  ann: ['org-disclaimer', 'org-email-limits', 'email-plugin-docs', 'trading-desk-limits'],
};

export const HOSPITAL = 'hospital';
export const hospitalDocs: SeedDoc[] = [
  {
    title: 'patel-prefs',
    scope: { level: 'P5', userId: 'patel' },
    text: "Dr. Patel's preferences: Always include ICD-10 codes in referral letters. Preferred pharmacy: CVS on Main St.",
  },
  {
    title: 'cardiology-rules',
    scope: { level: 'P4', groupId: 'cardiology' },
    text: 'Cardiology Dept: Use AHA risk calculator template for all referrals. Escalate arrhythmia alerts to on-call within 5 min.',
  },
  {
    title: 'cardiology-record',
    scope: { level: 'P4', groupId: 'cardiology' },
    text: 'Cardiology patient record MRN 88213: atrial fibrillation, warfarin 5 mg, INR target 2-3.',
  },
  {
    title: 'oncology-record',
    scope: { level: 'P4', groupId: 'oncology' },
    text: 'Oncology patient record MRN 44719: stage II breast carcinoma, cycle 3 of doxorubicin, neutropenia watch.',
  },
  {
    title: 'oncology-rules',
    scope: { level: 'P4', groupId: 'oncology' },
    text: 'Oncology Dept: chemotherapy orders need two-physician sign-off; tumour board every Thursday.',
  },
  {
    title: 'hipaa',
    scope: { level: 'P3' },
    text: 'Hospital-wide: NEVER include patient SSN in any email. No external sharing of PHI without consent form HC-401.',
  },
];
export const patel: SearchPrincipal = { tenant: HOSPITAL, userId: 'patel', groups: ['cardiology'] };
export const kim: SearchPrincipal = { tenant: HOSPITAL, userId: 'kim', groups: ['oncology'] };
export const hospitalExpected: Record<string, string[]> = {
  patel: ['patel-prefs', 'cardiology-rules', 'cardiology-record', 'hipaa'],
  kim: ['oncology-record', 'oncology-rules', 'hipaa'],
};

export const FREELANCE = 'freelance';
export const freelanceDocs: SeedDoc[] = [
  {
    title: 'invoice-template',
    scope: { level: 'P5', userId: 'fran' },
    text: 'My invoice template: Net-30 payment terms. My hourly rate: $150. Preferred invoice tool: Stripe Invoicing.',
  },
  {
    title: 'client-acme',
    scope: { level: 'P4', groupId: 'client-acme' },
    policyKey: 'client-approvals',
    text: 'Acme Corp project: NDA active, never mention Project Phoenix outside this workspace. Contact: jane@acme.example. Repo acme/phoenix.',
  },
  {
    title: 'client-startupxyz',
    scope: { level: 'P4', groupId: 'client-startupxyz' },
    policyKey: 'client-approvals',
    text: 'StartupXYZ project: move fast, no approval needed for charges under $500. Deploy via Vercel. Contact: bob@startupxyz.example.',
  },
  {
    title: 'platform-rules',
    scope: { level: 'P3' },
    text: 'Freelancer platform rules: all client data siloed. Automatic time tracking on all tool calls.',
  },
  {
    title: 'fl-handbook',
    scope: { level: 'P1', engine: 'main' },
    text: 'Freelancer knowledge base: contract templates, tax deduction guide, rate negotiation tips.',
  },
];
/** The freelancer working in one client's workspace: only that client's group is active. */
export const franAtAcme: SearchPrincipal = {
  tenant: FREELANCE,
  userId: 'fran',
  groups: ['client-acme'],
  engines: ['main'],
};
export const franAtXyz: SearchPrincipal = {
  tenant: FREELANCE,
  userId: 'fran',
  groups: ['client-startupxyz'],
  engines: ['main'],
};
export const freelanceExpected: Record<string, string[]> = {
  franAtAcme: ['invoice-template', 'client-acme', 'platform-rules', 'fl-handbook'],
  franAtXyz: ['invoice-template', 'client-startupxyz', 'platform-rules', 'fl-handbook'],
};

/** An actor entitled to write the doc's scope (the doc's owner, its group admin, or a manager). */
export function writerFor(tenant: string, doc: SeedDoc): KnowledgeActor {
  if (doc.scope.level === 'P5') return { tenant, userId: doc.scope.userId, roles: ['viewer'], groups: [] };
  if (doc.scope.level === 'P4')
    return {
      tenant,
      userId: `admin-${doc.scope.groupId}`,
      roles: ['developer'],
      groups: [doc.scope.groupId],
      groupAdminOf: [doc.scope.groupId],
    };
  return manager(tenant);
}
