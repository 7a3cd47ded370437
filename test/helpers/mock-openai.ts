import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {EventEmitter} from 'node:events';
import type {AddressInfo, Socket} from 'node:net';
import {tempDir} from './cli.js';

/**
 * A mock OpenAI server for tests: node:http on 127.0.0.1 (random port) answering POST /v1/responses and
 * POST /v1/chat/completions in the real shapes (see shared/reference/openai-api.md), with faults that can
 * be scripted per company (the n-th request for a company gets its n-th fault) or per request number.
 * It never talks to the network. It records every request and the most requests it ever had in flight.
 */
export type Fault =
  | {kind: 'latency'; ms: number}
  | {kind: 'rate_limit'; retryAfterMs?: number; retryAfterS?: number}
  | {kind: 'server_error'; status?: 500 | 502 | 503}
  | {kind: 'hang'}
  | {kind: 'truncated'}
  | {kind: 'truncated_body'}
  | {kind: 'schema'}
  | {kind: 'incomplete'}
  | {kind: 'refusal'}
  | {kind: 'unauthorized'}
  | {kind: 'forbidden'}
  | {kind: 'quota'};

/** The company as the provider's prompt gives it (the JSON object in the input text). */
export interface MockCompany {
  name: string;
  domain: string;
  description: string;
  industry: string;
  [k: string]: unknown;
}

export interface MockAnswer {
  /** The JSON answer (the model's structured output). */
  answer: unknown;
  /** url_citation annotations (Responses API only). */
  citations: string[];
  /** web_search_call sources (Responses API only). */
  sources: string[];
}

export interface MockOptions {
  /** When set, a request whose bearer token differs gets a 401 whose message echoes the token it got. */
  apiKey?: string;
  /** Delay before every response. */
  latencyMs?: number;
  /**
   * Hold every request until this many are in flight at once, then answer them all (and every later one at
   * once): a client that keeps fewer in flight never gets an answer. Waits on requests, not on time.
   */
  gate?: number;
  usage?: {input_tokens: number; cached_tokens: number; output_tokens: number};
  /** Web search calls reported per Responses answer. */
  searches?: number;
  answer?: (c: MockCompany) => MockAnswer;
  /** Faults by company name: the n-th request for that company gets faults[n] (then normal answers). */
  faultsFor?: Record<string, Fault[]>;
  /** Faults by request number (1-based, all requests counted). */
  faultOnCall?: Record<number, Fault>;
  /** Faults for every request from this request number on (1-based). */
  faultFromCall?: {from: number; fault: Fault};
  /** Headers added to every successful answer (e.g. x-ratelimit-*). */
  successHeaders?: Record<string, string>;
}

export interface RecordedRequest {
  n: number;
  path: string;
  company: string;
  authorization: string;
  body: Record<string, unknown>;
  fault?: Fault['kind'];
  /** When the request arrived (Date.now()). */
  at: number;
}

export const DEFAULT_USAGE = {input_tokens: 1000, cached_tokens: 200, output_tokens: 300};

/** The JSON object in the provider's input text (the line after "Company to assess:"). */
export function companyFromText(text: string): MockCompany {
  const start = text.indexOf('{');
  try {
    return JSON.parse(text.slice(start)) as MockCompany;
  } catch {
    return {name: '', domain: '', description: '', industry: ''};
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The kind the mock gives a company: from a few words of its text, else health_it for software, else provider. */
export function mockKind(c: MockCompany): string {
  const text = `${c.name} ${c.description}`.toLowerCase();
  if (/\b(clearinghouse|edi network)\b/.test(text) && !/\bthrough (a )?clearinghouse/.test(text)) return 'edi_vendor';
  if (/\b(revenue cycle|billing)\b/.test(text)) return 'rcm_billing';
  if (/\b(platform|api|software)\b/.test(text) || c.industry === 'Software Development') return 'health_it';
  return 'provider';
}

/**
 * A deterministic, consistent answer from the company's own text: a kind (a competitor is tier excluded and no
 * clearinghouse user), and flags only where the text names them (basis stated). Every flag it sets has one
 * grounded URL (in the search sources, written by the search with www. and utm_source) and one invented URL
 * that no search returned (https://invented.example.org/...), which the provider must drop.
 */
export function defaultAnswer(c: MockCompany): MockAnswer {
  const text = `${c.name} ${c.description}`.toLowerCase();
  const domain = c.domain || `${slug(c.name)}.example.com`;
  const x12 = /\b(edi|x12|837|835)\b/.test(text);
  const fhir = text.includes('fhir');
  const hl7 = text.includes('hl7');
  const kind = mockKind(c);
  const competitor = kind === 'edi_vendor';
  const availity = text.includes('availity') && !competitor;
  const epic = /\bepic\b/.test(text);
  const signals = [x12 && 'x12', availity && 'clearinghouse', fhir && 'fhir', hl7 && 'hl7', epic && 'ehr'].filter(Boolean) as string[];
  const score = 20 + ([...c.name].reduce((a, ch) => a + ch.charCodeAt(0) * 7, 0) % 70);
  const tier = competitor ? 'excluded' : score >= 65 ? 'tier_1' : score >= 45 ? 'tier_2' : score >= 30 ? 'tier_3' : 'not_icp';
  const basis = (flag: boolean) => (flag ? 'stated' : 'not_set');
  const evidence = signals.flatMap((s) => [
    {signal: s, url: `https://${domain}/${s}`, note: `${s} page`},
    {signal: s, url: `https://invented.example.org/${slug(c.name)}/${s}`, note: 'made up'},
  ]);
  return {
    answer: {
      company: {kind, reason: `mock kind for ${c.name}`, is_competitor: competitor},
      icp: {tier, score, confidence: 0.8, reason: `${competitor ? 'competitor; ' : ''}mock judgement for ${c.name}`},
      techstack: {
        uses_x12: x12,
        x12_transaction_sets: x12 ? ['837P', '835'] : [],
        uses_clearinghouse: availity,
        clearinghouses: availity ? ['availity'] : [],
        uses_fhir: fhir,
        uses_hl7: hl7,
        ehrs: epic ? ['Epic'] : [],
        basis: {x12: basis(x12), clearinghouse: basis(availity), fhir: basis(fhir), hl7: basis(hl7)},
        confidence: 0.85,
        evidence,
      },
    },
    citations: [`https://${domain}/about?utm_source=openai`],
    sources: signals.map((s) => `https://www.${domain}/${s}/?utm_source=openai`),
  };
}

export class MockOpenAI {
  url = '';
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly perCompany = new Map<string, number>();
  private readonly arrivals = new EventEmitter().setMaxListeners(0);
  private gateOpen = false;

  constructor(public options: MockOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const {port} = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/v1`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** Requests so far for one company / to one endpoint. */
  count(filter: {company?: string; path?: string} = {}): number {
    return this.requests.filter(
      (r) => (filter.company === undefined || r.company === filter.company) && (filter.path === undefined || r.path === filter.path),
    ).length;
  }

  /** Resolves once `n` requests have arrived (since the last reset). */
  waitForRequests(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.requests.length < n) return;
        this.arrivals.off('request', check);
        resolve();
      };
      this.arrivals.on('request', check);
      check();
    });
  }

  reset(options?: MockOptions): void {
    this.requests.length = 0;
    this.perCompany.clear();
    this.gateOpen = false;
    this.maxInFlight = 0;
    if (options) this.options = options;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        this.inFlight--;
      }
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      // left empty: answered with 400 below
    }
    const path = (req.url ?? '').replace(/\?.*$/, '');
    const chat = path === '/v1/chat/completions';
    const text = chat ? String((body.messages as Array<{content: string}> | undefined)?.[1]?.content ?? '') : String(body.input ?? '');
    const company = companyFromText(text);
    const n = this.requests.length + 1;
    const k = this.perCompany.get(company.name) ?? 0;
    this.perCompany.set(company.name, k + 1);
    const o = this.options;
    const fault =
      o.faultOnCall?.[n] ?? o.faultsFor?.[company.name]?.[k] ?? (o.faultFromCall && n >= o.faultFromCall.from ? o.faultFromCall.fault : undefined);
    const authorization = String(req.headers.authorization ?? '');
    this.requests.push({n, path, company: company.name, authorization, body, fault: fault?.kind, at: Date.now()});
    this.arrivals.emit('request');

    if (o.gate !== undefined && !this.gateOpen) {
      if (this.inFlight >= o.gate) {
        this.gateOpen = true;
        this.arrivals.emit('gate');
      } else await new Promise((r) => this.arrivals.once('gate', r));
    }
    if (o.latencyMs) await delay(o.latencyMs);
    if (fault?.kind === 'latency') await delay(fault.ms);
    if (path !== '/v1/responses' && !chat)
      return this.error(res, 404, {message: `Unknown path ${path}`, type: 'invalid_request_error', code: 'not_found'});
    if (!body.model) return this.error(res, 400, {message: 'missing model', type: 'invalid_request_error', code: null});
    const token = authorization.replace(/^Bearer\s+/i, '');
    if (fault?.kind === 'unauthorized' || (o.apiKey !== undefined && token !== o.apiKey)) {
      return this.error(res, 401, {
        message: `Incorrect API key provided: ${token}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
    }
    switch (fault?.kind) {
      case 'hang':
        return; // never answers; the client must time out
      case 'rate_limit': {
        const h: Record<string, string> = {};
        if (fault.retryAfterMs !== undefined) h['retry-after-ms'] = String(fault.retryAfterMs);
        if (fault.retryAfterS !== undefined) h['retry-after'] = String(fault.retryAfterS);
        return this.error(
          res,
          429,
          {
            message: `Rate limit reached for ${String(body.model)} on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
          h,
        );
      }
      case 'quota':
        return this.error(res, 429, {
          message: 'You exceeded your current quota, please check your plan and billing details.',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        });
      case 'forbidden':
        return this.error(res, 403, {
          message: `You are not allowed to sample from this model (key ${token})`,
          type: 'invalid_request_error',
          code: 'model_not_allowed',
        });
      case 'server_error':
        return this.error(res, fault.status ?? 500, {
          message: 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          code: null,
        });
    }

    const a = (o.answer ?? defaultAnswer)(company);
    let answerText = JSON.stringify(fault?.kind === 'schema' ? {icp: {tier: 'tier_9', score: 'high'}} : a.answer);
    if (fault?.kind === 'truncated' || fault?.kind === 'incomplete') answerText = answerText.slice(0, Math.floor(answerText.length / 2));
    const u = o.usage ?? DEFAULT_USAGE;
    const payload = chat
      ? this.chatPayload(String(body.model), answerText, u, fault)
      : this.responsesPayload(String(body.model), answerText, a, u, fault);
    const json = JSON.stringify(payload);
    const headers = {'content-type': 'application/json', 'x-request-id': `req_${n}`, ...(o.successHeaders ?? {})};
    if (fault?.kind === 'truncated_body') {
      res.writeHead(200, {...headers, 'content-length': String(Buffer.byteLength(json))});
      res.write(json.slice(0, Math.floor(json.length / 2)));
      setTimeout(() => res.destroy(), 5);
      return;
    }
    res.writeHead(200, headers);
    res.end(json);
  }

  private responsesPayload(model: string, text: string, a: MockAnswer, u: NonNullable<MockOptions['usage']>, fault?: Fault): unknown {
    const searches = this.options.searches ?? 1;
    const output: unknown[] = [];
    for (let i = 0; i < searches; i++) {
      output.push({
        type: 'web_search_call',
        id: `ws_${i}`,
        status: 'completed',
        action: {type: 'search', query: 'company tech stack', sources: i === 0 ? a.sources.map((url) => ({type: 'url', url})) : []},
      });
    }
    const content =
      fault?.kind === 'refusal'
        ? [{type: 'refusal', refusal: 'I am sorry, I cannot help with that.'}]
        : [
            {
              type: 'output_text',
              text,
              annotations: a.citations.map((url) => ({type: 'url_citation', start_index: 0, end_index: 1, url, title: 'Page'})),
            },
          ];
    output.push({type: 'message', id: 'msg_1', status: fault?.kind === 'incomplete' ? 'incomplete' : 'completed', role: 'assistant', content});
    return {
      id: `resp_${this.requests.length}`,
      object: 'response',
      created_at: 1,
      status: fault?.kind === 'incomplete' ? 'incomplete' : 'completed',
      incomplete_details: fault?.kind === 'incomplete' ? {reason: 'max_output_tokens'} : null,
      model,
      output,
      usage: {
        input_tokens: u.input_tokens,
        input_tokens_details: {cached_tokens: u.cached_tokens},
        output_tokens: u.output_tokens,
        output_tokens_details: {reasoning_tokens: 0},
        total_tokens: u.input_tokens + u.output_tokens,
      },
    };
  }

  private chatPayload(model: string, text: string, u: NonNullable<MockOptions['usage']>, fault?: Fault): unknown {
    const refusal = fault?.kind === 'refusal';
    return {
      id: `chatcmpl_${this.requests.length}`,
      object: 'chat.completion',
      created: 1,
      model,
      choices: [
        {
          index: 0,
          finish_reason: fault?.kind === 'incomplete' ? 'length' : 'stop',
          message: {role: 'assistant', content: refusal ? null : text, refusal: refusal ? 'I am sorry, I cannot help with that.' : null},
        },
      ],
      usage: {
        prompt_tokens: u.input_tokens,
        completion_tokens: u.output_tokens,
        total_tokens: u.input_tokens + u.output_tokens,
        prompt_tokens_details: {cached_tokens: u.cached_tokens},
      },
    };
  }

  private error(
    res: ServerResponse,
    status: number,
    error: {message: string; type: string; code: string | null},
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, {'content-type': 'application/json', 'x-request-id': `req_${this.requests.length}`, ...headers});
    res.end(JSON.stringify({error: {...error, param: null}}));
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startMock(options: MockOptions = {}): Promise<MockOpenAI> {
  return new MockOpenAI(options).start();
}

const DESCRIPTIONS = [
  'Revenue cycle management for physician groups: we submit 837 claims over EDI and post 835 remittances through Availity.',
  'Digital health platform with FHIR APIs and HL7 interfaces into Epic, for patient engagement.',
  'Family-owned home health agency serving the county since 1999.',
  'Healthcare API company: X12 EDI eligibility checks (270/271) for telehealth startups.',
  'Dental practice group with twelve locations.',
];

/** Rows of a small Clay export (fictional companies on made-up .com domains; nothing is fetched), for clayCsv(). */
export function clayRows(n: number, prefix = 'Mockco'): string[][] {
  return Array.from({length: n}, (_, i) => {
    const id = String(i + 1).padStart(3, '0');
    const name = `${prefix} ${id}`;
    return [
      '',
      name,
      DESCRIPTIONS[i % DESCRIPTIONS.length],
      i % 2 ? 'Software Development' : 'Hospitals and Health Care',
      '51-200 employees',
      'Privately Held',
      'Denver, CO',
      'United States',
      `${prefix.toLowerCase()}${id}.com`,
      `https://www.linkedin.com/company/${prefix.toLowerCase()}-${id}`,
    ];
  });
}

/**
 * A test file's mock OpenAI server and its surroundings, set up by jest hooks: the server starts before the
 * file's tests and stops after them; before each test it is reset (requests forgotten, answering `apiKey`),
 * OPENAI_API_KEY and OPENAI_BASE_URL point the provider at it (OPENAI_MODEL unset) and a fresh temporary folder
 * is made; after each test the environment is put back and the folder removed. Call it at the top of the file.
 */
export function useMockOpenAi(opts: {apiKey: string; tempPrefix?: string}): {mock: MockOpenAI; dir: () => string} {
  const mock = new MockOpenAI();
  const savedEnv = {...process.env};
  let t: ReturnType<typeof tempDir> | undefined;
  beforeAll(() => mock.start());
  afterAll(() => mock.close());
  beforeEach(() => {
    t = tempDir(opts.tempPrefix);
    mock.reset({apiKey: opts.apiKey});
    process.env.OPENAI_API_KEY = opts.apiKey;
    process.env.OPENAI_BASE_URL = mock.url;
    delete process.env.OPENAI_MODEL;
  });
  afterEach(() => {
    process.env = {...savedEnv};
    t?.cleanup();
    t = undefined;
  });
  return {
    mock,
    dir: () => {
      if (!t) throw new Error('useMockOpenAi: the temporary folder exists only within a test');
      return t.dir;
    },
  };
}
